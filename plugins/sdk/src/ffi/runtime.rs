//! The plugin side of the boundary: per-plugin state, logging, panic guards, and the adapters that
//! turn a [`Step`] or a [`Check`] into the ABI's trait objects.
//!
//! Every piece of state here belongs to one plugin: the export macros declare one [`PluginState`]
//! static per plugin, so plugin crates linked into one program (as rlibs, in tests) keep their own
//! names, loggers and host facts. Free functions such as [`crate::log_info`] find the plugin through
//! a thread-local set for the duration of each call from the host.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Once, OnceLock, RwLock};

use abi_stable::prefix_type::PrefixTypeTrait;
use abi_stable::std_types::{RResult, RSlice, RStr, RVec, Tuple2};

use super::check::{CheckModule, CheckModule_Ref, FfiCheck, FfiCheckBox, FfiCheck_TO};
use super::hello::{FfiHello, HostHello};
use super::{
    encode_edits, FfiEdit, FfiStep, FfiStepBox, FfiStepError, FfiStep_TO, FfiTake, HostLogger,
    StepModule, StepModule_Ref, LOG_WARN,
};
use crate::{Check, CheckedTake, Edit, Step, StepContext, StepError, Take};

/// One plugin's state inside its library: declared once per plugin by the export macros.
#[doc(hidden)]
pub struct PluginState {
    pub(crate) name: &'static str,
    pub(crate) version: &'static str,
    pub(crate) needs: &'static [&'static str],
    logger: RwLock<Option<HostLogger>>,
    pub(crate) host: OnceLock<HostHello>,
}

impl PluginState {
    /// The state of plugin `name` at `version`, needing the host features `needs`.
    pub const fn new(
        name: &'static str,
        version: &'static str,
        needs: &'static [&'static str],
    ) -> PluginState {
        PluginState {
            name,
            version,
            needs,
            logger: RwLock::new(None),
            host: OnceLock::new(),
        }
    }

    /// The hello this plugin answers to the host's (see [`super::hello`]).
    pub fn answer(&'static self, host: &FfiHello, provides: &[&str]) -> FfiHello {
        let _ = self.host.set(HostHello::from_ffi(host));
        FfiHello::plugin(self.needs, provides)
    }

    /// The hello with the plugin's description and recipe keys (see [`crate::PluginDescription`]).
    pub fn answer_described(
        &'static self,
        host: &FfiHello,
        provides: &[&str],
        describe: fn() -> crate::PluginDescription,
    ) -> FfiHello {
        // A panicking `describe` must not unwind into the host: the hello goes without it.
        let description = std::panic::catch_unwind(describe).unwrap_or_default();
        self.answer(host, provides).described(&description)
    }

    fn host_supports(&self, feature: &str) -> bool {
        self.host
            .get()
            .is_some_and(|host| host.features.iter().any(|f| f == feature))
    }

    fn set_logger(&self, logger: HostLogger) {
        if let Ok(mut slot) = self.logger.write() {
            *slot = Some(logger);
        }
    }
}

thread_local! {
    static CURRENT: Cell<Option<&'static PluginState>> = const { Cell::new(None) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Whether the host running the current call announced `feature` (false for a 1.0 host, or outside
/// a call from a host).
pub(crate) fn current_host_supports(feature: &str) -> bool {
    CURRENT
        .with(|c| c.get())
        .is_some_and(|p| p.host_supports(feature))
}

/// Send a message to the host's log, or to stderr outside a call from a host (unit tests).
pub(crate) fn log(level: u32, message: &str) {
    let plugin = CURRENT.with(|c| c.get());
    let logger = plugin.and_then(|p| p.logger.read().ok().and_then(|l| *l));
    match (plugin, logger) {
        (Some(plugin), Some(logger)) => {
            (logger.log)(level, RStr::from_str(plugin.name), RStr::from_str(message))
        }
        _ => {
            use std::io::Write;
            let label = if level == LOG_WARN { "warning" } else { "info" };
            let _ = writeln!(std::io::stderr(), "{label}: {message}");
        }
    }
}

static PANIC_HOOK: Once = Once::new();

/// Replace this library's panic hook (each plugin library has its own copy of std) with one that
/// records the message and location for the error value instead of printing it.
fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let text = format!("{}{location}", payload_text(info.payload()));
            LAST_PANIC.with(|last| {
                if let Ok(mut last) = last.try_borrow_mut() {
                    *last = Some(text);
                }
            });
        }));
    });
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic payload".to_string()
    }
}

/// Run `body` as plugin `plugin`, turning a panic into an error value carrying the panic's message.
fn guarded<T>(
    plugin: Option<&'static PluginState>,
    what: &str,
    body: impl FnOnce() -> Result<T, FfiStepError>,
) -> RResult<T, FfiStepError> {
    LAST_PANIC.with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            *last = None;
        }
    });
    let previous = CURRENT.with(|c| c.replace(plugin));
    let result = catch_unwind(AssertUnwindSafe(body));
    CURRENT.with(|c| c.set(previous));
    match result {
        Ok(result) => result.into(),
        Err(payload) => {
            let recorded =
                LAST_PANIC.with(|last| last.try_borrow_mut().ok().and_then(|mut l| l.take()));
            let text = recorded.unwrap_or_else(|| payload_text(payload.as_ref()));
            // Dropping a payload can itself panic; keep it from unwinding out of the library.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            RResult::RErr(FfiStepError {
                message: format!("plugin panicked in {what}: {text}").into(),
                key: abi_stable::std_types::ROption::RNone,
            })
        }
    }
}

fn decode_take(take: &FfiTake) -> Result<Take, FfiStepError> {
    Take::try_from(take).map_err(|e| StepError::new(e.to_string()).into())
}

fn context_of(config_toml: RStr<'_>, recipe_dir: RStr<'_>) -> Result<StepContext, FfiStepError> {
    let mut table: toml::Table = toml::from_str(config_toml.as_str())
        .map_err(|e| StepError::new(format!("the table did not cross intact: {e}")))?;
    let known_tokens = table.remove(crate::KNOWN_TOKENS_KEY).map(|value| {
        value
            .as_array()
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    });
    Ok(StepContext {
        table,
        recipe_dir: PathBuf::from(recipe_dir.as_str()),
        known_tokens,
    })
}

/// Wraps a plugin's [`Step`] as an [`FfiStep`], catching panics in `apply` and in drop.
struct StepAdapter<S: Step> {
    step: Option<S>,
    plugin: &'static PluginState,
}

impl<S: Step> FfiStep for StepAdapter<S> {
    fn apply(&self, take: &FfiTake) -> RResult<RVec<FfiEdit>, FfiStepError> {
        guarded(Some(self.plugin), "apply", || {
            let take = decode_take(take)?;
            let step = self
                .step
                .as_ref()
                .ok_or_else(|| StepError::new("the step was already dropped"))?;
            let edits: Vec<Edit> = step.apply(&take)?;
            Ok(encode_edits(&edits, self.plugin.host_supports("findings")))
        })
    }
}

impl<S: Step> Drop for StepAdapter<S> {
    fn drop(&mut self) {
        let step = self.step.take();
        let _ = catch_unwind(AssertUnwindSafe(move || drop(step)));
    }
}

/// Build a step of type `S` for plugin `plugin` (called through the function `export_step!` declares).
#[doc(hidden)]
pub fn new_step_entry<S: Step>(
    plugin: &'static PluginState,
    config_toml: RStr<'_>,
    recipe_dir: RStr<'_>,
    log: HostLogger,
) -> RResult<FfiStepBox, FfiStepError> {
    install_panic_hook();
    plugin.set_logger(log);
    guarded(Some(plugin), "new", || {
        let context = context_of(config_toml, recipe_dir)?;
        let step = S::new(&context)?;
        Ok(FfiStep_TO::from_value(
            StepAdapter {
                step: Some(step),
                plugin,
            },
            abi_stable::sabi_trait::TD_Opaque,
        ))
    })
}

/// Build the step root module of `plugin`; `export_step!` keeps it in a static of its own.
#[doc(hidden)]
pub fn step_module(
    plugin: &'static PluginState,
    new_step: extern "C" fn(RStr<'_>, RStr<'_>, HostLogger) -> RResult<FfiStepBox, FfiStepError>,
) -> StepModule_Ref {
    StepModule {
        sdk_version: RStr::from_str(crate::SDK_VERSION),
        name: RStr::from_str(plugin.name),
        version: RStr::from_str(plugin.version),
        new_step,
    }
    .leak_into_prefix()
}

/// Wraps a plugin's [`Check`] as an [`FfiCheck`], catching panics.
struct CheckAdapter<C: Check> {
    check: Option<C>,
    plugin: &'static PluginState,
}

impl<C: Check> CheckAdapter<C> {
    fn check(&self) -> Result<&C, FfiStepError> {
        self.check
            .as_ref()
            .ok_or_else(|| StepError::new("the check was already dropped").into())
    }

    fn findings(&self, findings: Vec<crate::Finding>) -> RVec<FfiEdit> {
        let edits: Vec<Edit> = findings.into_iter().map(Edit::Finding).collect();
        encode_edits(&edits, true)
    }
}

impl<C: Check> FfiCheck for CheckAdapter<C> {
    fn check_take(&self, take: &FfiTake, source: &FfiTake) -> RResult<RVec<FfiEdit>, FfiStepError> {
        guarded(Some(self.plugin), "check_take", || {
            let checked = CheckedTake::new(decode_take(take)?, decode_take(source)?);
            let findings = self.check()?.check_take(&checked)?;
            Ok(self.findings(findings))
        })
    }

    fn check_batch(
        &self,
        batch: RSlice<'_, Tuple2<FfiTake, FfiTake>>,
    ) -> RResult<RVec<FfiEdit>, FfiStepError> {
        guarded(Some(self.plugin), "check_batch", || {
            let mut takes = Vec::with_capacity(batch.len());
            for Tuple2(take, source) in batch.iter() {
                takes.push(CheckedTake::new(decode_take(take)?, decode_take(source)?));
            }
            let findings = self.check()?.check_batch(&takes)?;
            Ok(self.findings(findings))
        })
    }
}

impl<C: Check> Drop for CheckAdapter<C> {
    fn drop(&mut self) {
        let check = self.check.take();
        let _ = catch_unwind(AssertUnwindSafe(move || drop(check)));
    }
}

/// Build a check of type `C` for plugin `plugin` (called through the function `export_check!` declares).
#[doc(hidden)]
pub fn new_check_entry<C: Check>(
    plugin: &'static PluginState,
    config_toml: RStr<'_>,
    recipe_dir: RStr<'_>,
    log: HostLogger,
) -> RResult<FfiCheckBox, FfiStepError> {
    install_panic_hook();
    plugin.set_logger(log);
    guarded(Some(plugin), "new", || {
        let context = context_of(config_toml, recipe_dir)?;
        let check = C::new(&context)?;
        Ok(FfiCheck_TO::from_value(
            CheckAdapter {
                check: Some(check),
                plugin,
            },
            abi_stable::sabi_trait::TD_Opaque,
        ))
    })
}

/// Build the check root module of `plugin`; `export_check!` keeps it in a static of its own.
#[doc(hidden)]
pub fn check_module(
    plugin: &'static PluginState,
    new_check: extern "C" fn(RStr<'_>, RStr<'_>, HostLogger) -> RResult<FfiCheckBox, FfiStepError>,
) -> CheckModule_Ref {
    CheckModule {
        sdk_version: RStr::from_str(crate::SDK_VERSION),
        name: RStr::from_str(plugin.name),
        version: RStr::from_str(plugin.version),
        new_check,
    }
    .leak_into_prefix()
}

/// Serialize a step or check table for the `new_step`/`new_check` entry points.
pub fn table_to_toml(table: &toml::Table) -> Result<String, StepError> {
    toml::to_string(table).map_err(|e| StepError::new(format!("cannot pass the table: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    static FIRST: PluginState = PluginState::new("first", "1.0.0", &[]);
    static SECOND: PluginState = PluginState::new("second", "2.0.0", &["findings"]);

    #[test]
    fn panic_becomes_error_value() {
        let result: RResult<(), FfiStepError> = guarded(None, "apply", || panic!("boom {}", 7));
        match result {
            RResult::RErr(e) => assert!(e.message.as_str().contains("boom 7"), "{}", e.message),
            RResult::ROk(()) => panic!("expected an error"),
        }
    }

    extern "C" fn no_step(
        _: RStr<'_>,
        _: RStr<'_>,
        _: HostLogger,
    ) -> RResult<FfiStepBox, FfiStepError> {
        RResult::RErr(StepError::new("none").into())
    }

    #[test]
    fn each_plugin_state_builds_its_own_module() {
        let first = step_module(&FIRST, no_step);
        let second = step_module(&SECOND, no_step);
        assert_eq!(first.name().as_str(), "first");
        assert_eq!(second.name().as_str(), "second");
        assert_eq!(second.version().as_str(), "2.0.0");
    }

    #[test]
    fn host_features_are_known_only_inside_a_call_from_that_host() {
        static HOSTED: PluginState = PluginState::new("hosted", "1.0.0", &[]);
        let hello = FfiHello::host("1.1.0", &["findings"]);
        let answer = HOSTED.answer(&hello, &["step"]);
        assert_eq!(HostHello::from_ffi(&answer).needs, Vec::<String>::new());
        assert!(!current_host_supports("findings"));
        let inside: RResult<bool, FfiStepError> = guarded(Some(&HOSTED), "apply", || {
            Ok(current_host_supports("findings"))
        });
        assert!(matches!(inside, RResult::ROk(true)));
        let other: RResult<bool, FfiStepError> = guarded(Some(&FIRST), "apply", || {
            Ok(current_host_supports("findings"))
        });
        assert!(matches!(other, RResult::ROk(false)));
    }
}
