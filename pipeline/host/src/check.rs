//! Check plugins (SDK 1.1): loaded libraries and built checks.

use super::*;

/// A loaded check plugin library (SDK 1.1); cheap to clone.
#[derive(Clone)]
pub struct CheckPlugin {
    meta: Arc<PluginMeta>,
    module: CheckModule_Ref,
}

impl std::fmt::Debug for CheckPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckPlugin")
            .field("name", &self.meta.name)
            .field("version", &self.meta.version)
            .field("file", &self.meta.file)
            .finish()
    }
}

impl CheckPlugin {
    /// The plugin's declared name (`practice`).
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// The plugin's version.
    pub fn version(&self) -> &str {
        &self.meta.version
    }

    /// The SDK version the plugin was built against.
    pub fn sdk_version(&self) -> &str {
        &self.meta.sdk_version
    }

    /// The library file it was loaded from.
    pub fn file(&self) -> &Path {
        &self.meta.file
    }

    /// The plugin's answer to the host's hello (needs, description).
    pub fn hello(&self) -> Option<&HostHello> {
        self.meta.hello.as_ref()
    }

    /// Build a check from its `[[check]]` table; the plugin's error (or panic) comes back as `Err`.
    pub fn build(&self, context: &StepContext) -> Result<LoadedCheck, StepError> {
        let table = ffi::table_to_toml(&context.table)?;
        let recipe_dir = context.recipe_dir.to_string_lossy();
        let logger = HostLogger { log: host_log };
        let new_check = self.module.new_check();
        match new_check(RStr::from_str(&table), RStr::from_str(&recipe_dir), logger) {
            RResult::ROk(check) => Ok(LoadedCheck {
                check,
                plugin: self.clone(),
            }),
            RResult::RErr(error) => Err(StepError::from(error)),
        }
    }
}

/// A check built by a plugin, ready to be called from any thread.
pub struct LoadedCheck {
    check: FfiCheckBox,
    plugin: CheckPlugin,
}

impl std::fmt::Debug for LoadedCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedCheck")
            .field("plugin", &self.plugin)
            .finish()
    }
}

impl LoadedCheck {
    /// The plugin that built this check.
    pub fn plugin(&self) -> &CheckPlugin {
        &self.plugin
    }

    fn findings(
        &self,
        result: RResult<RVec<ffi::FfiEdit>, ffi::FfiStepError>,
    ) -> Result<Vec<Finding>, String> {
        let edits = match result {
            RResult::ROk(edits) => edits,
            RResult::RErr(error) => return Err(StepError::from(error).to_string()),
        };
        let edits = ffi::decode_edits(&edits).map_err(|e| {
            format!(
                "check plugin `{}` {}: {e}",
                self.plugin.name(),
                self.plugin.version()
            )
        })?;
        Ok(edits
            .into_iter()
            .filter_map(|edit| match edit {
                Edit::Finding(finding) => Some(finding),
                _ => None,
            })
            .collect())
    }

    /// Findings about one take: `take` as it will be delivered, `source` as read.
    pub fn check_take(&self, take: &Take, source: &Take) -> Result<Vec<Finding>, String> {
        let result = self
            .check
            .check_take(&FfiTake::from(take), &FfiTake::from(source));
        self.findings(result)
    }

    /// Findings about rolls and the batch: every (delivered, source) pair, once.
    pub fn check_batch(&self, batch: &[(Take, Take)]) -> Result<Vec<Finding>, String> {
        let documents: Vec<Tuple2<FfiTake, FfiTake>> = batch
            .iter()
            .map(|(take, source)| Tuple2(FfiTake::from(take), FfiTake::from(source)))
            .collect();
        let result = self.check.check_batch(documents.as_slice().into());
        self.findings(result)
    }
}

/// Open a check plugin library: hello first (a check plugin always has one), then its check module.
pub(crate) fn open_check_plugin(name: &str, file: &Path) -> Result<CheckPlugin, HostError> {
    let module = open_module::<CheckModule_Ref>(name, file, ModuleKind::Check)?;
    let declared = module.name().as_str().to_string();
    check_declared(name, file, &declared)?;
    let hello = negotiate(name, file)?;
    Ok(CheckPlugin {
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
