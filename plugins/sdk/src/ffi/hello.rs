//! The hello (SDK 1.1): a second root module per library, so host and plugin learn what the other
//! supports before anything else is called, as nushell's plugin protocol does.
//!
//! The host calls [`HelloModule::hello`] with its SDK version and the features it supports
//! ([`HOST_FEATURES`]); the plugin answers with its SDK version, the features it needs and the ones
//! it provides. Both documents are key/value pairs ([`FfiHello`]), so the hello grows through data:
//! a new feature is a new word. A library without the hello symbol is a 1.0 plugin and needs nothing.

use abi_stable::library::RootModule;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::{RStr, RString, RVec, Tuple2};
use abi_stable::{declare_root_module_statics, package_version_strings, StableAbi};

use super::FfiPair;

/// The features a host of this SDK supports: `findings` (the finding edit kinds), `check` (check
/// plugins), `validate` (`rollcall check` builds every step and check from its table, so a step's
/// `new` is its validation).
pub const HOST_FEATURES: &[&str] = &["findings", "check", "validate"];

/// Key of the SDK version in a hello.
pub const KEY_SDK_VERSION: &str = "sdk_version";
/// Key of a feature the host supports (repeated).
pub const KEY_FEATURE: &str = "feature";
/// Key of a feature the plugin needs from the host (repeated).
pub const KEY_NEEDS: &str = "needs";
/// Key of a feature the plugin provides (`step`, `check`; repeated).
pub const KEY_PROVIDES: &str = "provides";

/// Key of the plugin's one-paragraph description (optional; `rollcall plugins --describe`).
pub const KEY_DESCRIPTION: &str = "description";
/// Key of one recipe key of the plugin, `name: what it is` (optional, repeated, in order).
pub const KEY_RECIPE_KEY: &str = "recipe_key";
/// Key of something extra the plugin's SDK understands in what the host sends (repeated).
pub const KEY_ACCEPTS: &str = "accepts";
/// What a plugin of this SDK accepts: the tokens a template may use, passed with a step's table
/// under [`crate::KNOWN_TOKENS_KEY`] and taken out of it before the step sees it.
pub const ACCEPT_KNOWN_TOKENS: &str = "known_tokens";

/// The symbol of a plugin's hello is this prefix followed by the plugin name.
pub const HELLO_SYMBOL_PREFIX: &str = "rollcall_hello_";

/// One side's hello: key/value pairs (see the `KEY_*` constants); unknown keys are ignored.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, Default, PartialEq, Eq)]
pub struct FfiHello {
    /// The pairs, in order; keys may repeat.
    pub fields: RVec<FfiPair>,
}

impl FfiHello {
    fn with(version: &str, list: &[(&str, &[&str])]) -> FfiHello {
        let mut fields = RVec::new();
        fields.push(Tuple2(KEY_SDK_VERSION.into(), version.into()));
        for (key, words) in list {
            for word in *words {
                fields.push(Tuple2(RString::from(*key), RString::from(*word)));
            }
        }
        FfiHello { fields }
    }

    /// A host's hello: its SDK version and the features it supports.
    pub fn host(sdk_version: &str, features: &[&str]) -> FfiHello {
        FfiHello::with(sdk_version, &[(KEY_FEATURE, features)])
    }

    /// A plugin's hello: this SDK's version, what it needs and what it provides.
    pub fn plugin(needs: &[&str], provides: &[&str]) -> FfiHello {
        FfiHello::with(
            crate::SDK_VERSION,
            &[
                (KEY_NEEDS, needs),
                (KEY_PROVIDES, provides),
                (KEY_ACCEPTS, &[ACCEPT_KNOWN_TOKENS]),
            ],
        )
    }

    /// Add a plugin's description and recipe keys (nothing when `description` is empty).
    pub fn described(mut self, description: &crate::PluginDescription) -> FfiHello {
        if !description.summary.is_empty() {
            self.fields.push(Tuple2(
                KEY_DESCRIPTION.into(),
                description.summary.as_str().into(),
            ));
        }
        for (name, doc) in &description.keys {
            self.fields.push(Tuple2(
                KEY_RECIPE_KEY.into(),
                RString::from(format!("{name}: {doc}")),
            ));
        }
        self
    }
}

/// A hello read back into plain values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostHello {
    /// The SDK version of the side that said it.
    pub sdk_version: String,
    /// Features supported (a host's hello).
    pub features: Vec<String>,
    /// Features needed (a plugin's hello).
    pub needs: Vec<String>,
    /// Features provided (a plugin's hello).
    pub provides: Vec<String>,
    /// What the plugin does, when it says (`KEY_DESCRIPTION`; a plugin before it says nothing).
    pub description: Option<String>,
    /// Its recipe keys with their docs, `(name, doc)` in order (`KEY_RECIPE_KEY`).
    pub recipe_keys: Vec<(String, String)>,
    /// Extras the plugin understands in what the host sends (a plugin's hello; see [`KEY_ACCEPTS`]).
    pub accepts: Vec<String>,
}

impl HostHello {
    /// Read a hello document.
    pub fn from_ffi(hello: &FfiHello) -> HostHello {
        let mut out = HostHello::default();
        for Tuple2(key, value) in hello.fields.iter() {
            let value = value.to_string();
            match key.as_str() {
                KEY_SDK_VERSION => out.sdk_version = value,
                KEY_FEATURE => out.features.push(value),
                KEY_NEEDS => out.needs.push(value),
                KEY_PROVIDES => out.provides.push(value),
                KEY_DESCRIPTION => out.description = Some(value),
                KEY_RECIPE_KEY => {
                    let (name, doc) = value.split_once(": ").unwrap_or((value.as_str(), ""));
                    out.recipe_keys.push((name.to_string(), doc.to_string()));
                }
                KEY_ACCEPTS => out.accepts.push(value),
                _ => {}
            }
        }
        out
    }
}

/// The hello root module a 1.1 plugin library exports under `rollcall_hello_<name>`.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = HelloModule_Ref)))]
pub struct HelloModule {
    /// The `rollcall-sdk` version the plugin was built against.
    pub sdk_version: RStr<'static>,
    /// Answer the host's hello with the plugin's.
    #[sabi(last_prefix_field)]
    pub hello: extern "C" fn(host: &FfiHello) -> FfiHello,
}

impl RootModule for HelloModule_Ref {
    declare_root_module_statics! {HelloModule_Ref}
    const BASE_NAME: &'static str = "rollcall_hello";
    const NAME: &'static str = "rollcall_hello";
    const VERSION_STRINGS: VersionStrings = package_version_strings!();
}

/// Build the hello root module; `export_step!`/`export_check!` keep it in a static of their own.
#[doc(hidden)]
pub fn hello_module(hello: extern "C" fn(&FfiHello) -> FfiHello) -> HelloModule_Ref {
    use abi_stable::prefix_type::PrefixTypeTrait;
    HelloModule {
        sdk_version: RStr::from_str(crate::SDK_VERSION),
        hello,
    }
    .leak_into_prefix()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hellos_round_trip_and_ignore_unknown_keys() {
        let mut host = FfiHello::host("1.1.0", HOST_FEATURES);
        host.fields
            .push(Tuple2("future-key".into(), "whatever".into()));
        let read = HostHello::from_ffi(&host);
        assert_eq!(read.sdk_version, "1.1.0");
        assert_eq!(read.features, vec!["findings", "check", "validate"]);
        let plugin = HostHello::from_ffi(&FfiHello::plugin(&["findings"], &["check"]));
        assert_eq!(plugin.sdk_version, crate::SDK_VERSION);
        assert_eq!(plugin.needs, vec!["findings"]);
        assert_eq!(plugin.provides, vec!["check"]);
        assert_eq!(plugin.description, None);
        assert_eq!(plugin.accepts, vec![ACCEPT_KNOWN_TOKENS]);
    }

    #[test]
    fn a_description_travels_in_the_hello() {
        let description = crate::PluginDescription::new("Renames files.")
            .key("template", "the new name: {scene}-{take}");
        let hello = FfiHello::plugin(&[], &["step"]).described(&description);
        let read = HostHello::from_ffi(&hello);
        assert_eq!(read.description.as_deref(), Some("Renames files."));
        assert_eq!(
            read.recipe_keys,
            vec![(
                "template".to_string(),
                "the new name: {scene}-{take}".to_string()
            )]
        );
    }
}
