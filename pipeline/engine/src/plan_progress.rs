//! A hook told how far planning is (files planned, of how many), for a progress line.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

/// Called with `(files planned, files to plan)` as planning goes on, from any planning thread.
pub type PlanProgressHook = Arc<dyn Fn(usize, usize) + Send + Sync>;

static HOOK: RwLock<Option<PlanProgressHook>> = RwLock::new(None);

/// Set (or clear) the hook [`crate::plan`] calls after each file it plans.
pub fn set_plan_progress(hook: Option<PlanProgressHook>) {
    if let Ok(mut slot) = HOOK.write() {
        *slot = hook;
    }
}

/// Counts planned files for one call of `plan` and tells the hook.
pub(crate) struct PlanTicker {
    hook: Option<PlanProgressHook>,
    done: AtomicUsize,
    total: usize,
}

impl PlanTicker {
    /// A ticker for `total` files; tells the hook `(0, total)` at once.
    pub(crate) fn start(total: usize) -> PlanTicker {
        let hook = HOOK.read().ok().and_then(|h| h.clone());
        if let Some(hook) = &hook {
            hook(0, total);
        }
        PlanTicker {
            hook,
            done: AtomicUsize::new(0),
            total,
        }
    }

    /// One more file planned.
    pub(crate) fn tick(&self) {
        if let Some(hook) = &self.hook {
            let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
            hook(done, self.total);
        }
    }
}
