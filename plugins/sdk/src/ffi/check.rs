//! Check plugins across the boundary (SDK 1.1): a third root module, `rollcall_check_<name>`.
//!
//! A check is built from its `[[check]]` table like a step, then sees each take as it will be
//! delivered beside the source's description ([`FfiCheck::check_take`]) and the whole batch once at
//! the end ([`FfiCheck::check_batch`]). Both return findings as [`super::EDIT_FINDING`] edits.

use abi_stable::library::RootModule;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::{RBox, RResult, RSlice, RStr, RVec, Tuple2};
use abi_stable::{declare_root_module_statics, package_version_strings, sabi_trait, StableAbi};

use super::{FfiEdit, FfiStepError, FfiTake, HostLogger};

/// The symbol of a check plugin's root module is this prefix followed by the plugin name.
pub const CHECK_SYMBOL_PREFIX: &str = "rollcall_check_";

/// A built check inside a plugin library.
#[sabi_trait]
pub trait FfiCheck: Send + Sync {
    /// Findings about one take: `take` as it will be delivered, `source` as read from the file.
    fn check_take(&self, take: &FfiTake, source: &FfiTake) -> RResult<RVec<FfiEdit>, FfiStepError>;

    /// Findings about rolls and the whole batch: every (delivered, source) pair, once, at the end.
    #[sabi(last_prefix_field)]
    fn check_batch(
        &self,
        batch: RSlice<'_, Tuple2<FfiTake, FfiTake>>,
    ) -> RResult<RVec<FfiEdit>, FfiStepError>;
}

/// A boxed, type-erased check as returned by [`CheckModule::new_check`].
pub type FfiCheckBox = FfiCheck_TO<'static, RBox<()>>;

/// The check root module a plugin library exports.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = CheckModule_Ref)))]
pub struct CheckModule {
    /// The `rollcall-sdk` version the plugin was built against.
    pub sdk_version: RStr<'static>,
    /// The plugin name (`practice`).
    pub name: RStr<'static>,
    /// The plugin's crate version.
    pub version: RStr<'static>,
    /// Build a check from its recipe table (TOML text) and the recipe folder.
    #[sabi(last_prefix_field)]
    pub new_check: extern "C" fn(
        config_toml: RStr<'_>,
        recipe_dir: RStr<'_>,
        log: HostLogger,
    ) -> RResult<FfiCheckBox, FfiStepError>,
}

impl RootModule for CheckModule_Ref {
    declare_root_module_statics! {CheckModule_Ref}
    const BASE_NAME: &'static str = "rollcall_check";
    const NAME: &'static str = "rollcall_check";
    const VERSION_STRINGS: VersionStrings = package_version_strings!();
}
