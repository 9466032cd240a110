//! Opening a plugin library: its root-module symbols, the SDK hello and what the plugin needs.

use super::*;

/// The root-module symbols a library of plugin `name` may export under `prefix` (`-` and `_` are
/// interchangeable).
pub(crate) fn root_symbols(prefix: &str, name: &str) -> Vec<String> {
    let mut symbols: Vec<String> = Vec::new();
    for variant in [
        name.to_string(),
        name.replace('-', "_"),
        name.replace('_', "-"),
    ] {
        let symbol = format!("{prefix}{variant}");
        if !symbols.contains(&symbol) {
            symbols.push(symbol);
        }
    }
    symbols
}

/// Open a library (kept loaded for the life of the process) and find the root-module header it
/// exports under `prefix` + name.
#[allow(unsafe_code)] // looking a symbol up in a loaded library is unsafe by nature; see SAFETY
pub(crate) fn open_header(
    prefix: &str,
    name: &str,
    file: &Path,
) -> Result<&'static LibHeader, LibraryError> {
    let library = RawLibrary::load_at(file)?;
    let mut last_error = None;
    for symbol in root_symbols(prefix, name) {
        let symbol = format!("{symbol}\0");
        // SAFETY: a rollcall plugin exports its `LibHeader` under this name (`export_step!`,
        // `export_check!`); the header's magic string and ABI version are checked by `upgrade` before
        // anything else is read. The library is never unloaded, so the `'static` references stay valid.
        match unsafe { library.get::<AbiHeaderRef>(symbol.as_bytes()) } {
            Ok(header) => {
                let header: AbiHeaderRef = *header;
                std::mem::forget(library);
                return header.upgrade();
            }
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or(LibraryError::Many(abi_stable::std_types::RVec::new())))
}

/// What kind of root module is looked for: the words used in errors.
#[derive(Clone, Copy)]
pub(crate) enum ModuleKind {
    Step,
    Check,
    Hello,
}

impl ModuleKind {
    fn prefix(self) -> &'static str {
        match self {
            ModuleKind::Step => ffi::ROOT_SYMBOL_PREFIX,
            ModuleKind::Check => CHECK_SYMBOL_PREFIX,
            ModuleKind::Hello => HELLO_SYMBOL_PREFIX,
        }
    }

    fn word(self) -> &'static str {
        match self {
            ModuleKind::Step => "step",
            ModuleKind::Check => "check",
            ModuleKind::Hello => "hello",
        }
    }
}

/// Open a library's root module of kind `kind` and check its SDK version and layout.
pub(crate) fn open_module<M: RootModule>(
    name: &str,
    file: &Path,
    kind: ModuleKind,
) -> Result<M, HostError> {
    let not_a_plugin = |reason: String| HostError::NotAPlugin {
        name: name.to_string(),
        file: file.to_path_buf(),
        reason,
    };
    let header = open_header(kind.prefix(), name, file).map_err(|error| match error {
        LibraryError::OpenError { err, .. } => not_a_plugin(first_line(&err.to_string())),
        LibraryError::GetSymbolError { .. } => not_a_plugin(format!(
            "it does not export the rollcall root module of a {} named `{name}`",
            kind.word()
        )),
        LibraryError::InvalidAbiHeader(_) => {
            not_a_plugin("it was built with an incompatible abi_stable".to_string())
        }
        other => HostError::LoadFailed {
            name: name.to_string(),
            file: file.to_path_buf(),
            reason: condense_load_error(&other.to_string()),
        },
    })?;
    let plugin_sdk = header.version_strings().version.to_string();
    let incompatible = |details: Vec<String>, plugin_sdk: String| HostError::IncompatibleSdk {
        name: name.to_string(),
        file: file.to_path_buf(),
        plugin_sdk,
        host_sdk: HOST_SDK_VERSION.to_string(),
        details,
    };
    header.init_root_module::<M>().map_err(|error| match error {
        LibraryError::IncompatibleVersionNumber { actual_version, .. } => {
            incompatible(Vec::new(), actual_version.to_string())
        }
        LibraryError::AbiInstability(report) => {
            incompatible(condense_abi_report(&report.to_string()), plugin_sdk.clone())
        }
        LibraryError::ParseVersionError(_) => incompatible(Vec::new(), plugin_sdk.clone()),
        other => HostError::LoadFailed {
            name: name.to_string(),
            file: file.to_path_buf(),
            reason: condense_load_error(&other.to_string()),
        },
    })
}

/// Exchange hellos with a library: `None` for a 1.0 plugin (no hello), an error when the plugin needs
/// a feature this host lacks.
pub(crate) fn negotiate(name: &str, file: &Path) -> Result<Option<HostHello>, HostError> {
    let module = match open_module::<HelloModule_Ref>(name, file, ModuleKind::Hello) {
        Ok(module) => module,
        // A 1.0 plugin has no hello: it needs nothing.
        Err(HostError::NotAPlugin { .. }) => return Ok(None),
        Err(other) => return Err(other),
    };
    let ours = FfiHello::host(HOST_SDK_VERSION, HOST_FEATURES);
    let hello = module.hello();
    let theirs = HostHello::from_ffi(&hello(&ours));
    check_needs(name, file, &theirs)?;
    Ok(Some(theirs))
}

/// Refuse a plugin whose hello needs a feature this host lacks.
pub(crate) fn check_needs(name: &str, file: &Path, hello: &HostHello) -> Result<(), HostError> {
    match hello
        .needs
        .iter()
        .find(|need| !HOST_FEATURES.contains(&need.as_str()))
    {
        Some(feature) => Err(HostError::MissingFeature {
            name: name.to_string(),
            file: file.to_path_buf(),
            feature: feature.clone(),
            host_sdk: HOST_SDK_VERSION.to_string(),
        }),
        None => Ok(()),
    }
}

pub(crate) fn check_declared(name: &str, file: &Path, declared: &str) -> Result<(), HostError> {
    if declared.replace('_', "-") != name.replace('_', "-") {
        return Err(HostError::NameMismatch {
            name: name.to_string(),
            file: file.to_path_buf(),
            declared: declared.to_string(),
        });
    }
    Ok(())
}

/// Open a library, exchange hellos, check its SDK version and layout, and read its names.
pub(crate) fn open_plugin(name: &str, file: &Path) -> Result<Plugin, HostError> {
    let module = open_module::<StepModule_Ref>(name, file, ModuleKind::Step)?;
    let declared = module.name().as_str().to_string();
    check_declared(name, file, &declared)?;
    let hello = negotiate(name, file)?;
    Ok(Plugin {
        meta: Arc::new(PluginMeta {
            name: declared,
            version: module.version().as_str().to_string(),
            sdk_version: module.sdk_version().as_str().to_string(),
            file: file.to_path_buf(),
            hello,
        }),
        module,
    })
}
