//! The progress line while a batch is planned: on stderr, only on a terminal, never with `--json`
//! or `--quiet`; cleared when planning ends.

use std::io::IsTerminal;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The planning line; cleared (and the engine's hook removed) when dropped.
pub struct PlanningLine {
    bar: ProgressBar,
}

impl PlanningLine {
    /// Start the line when `wanted` and stderr is a terminal; `None` otherwise.
    pub fn start(wanted: bool) -> Option<PlanningLine> {
        if !wanted || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("rollcall: planning {pos}/{len} files {wide_bar} {eta}")
        {
            bar.set_style(style);
        }
        let shown = bar.clone();
        rollcall_engine::set_plan_progress(Some(Arc::new(move |done, total| {
            shown.set_length(total as u64);
            shown.set_position(done as u64);
        })));
        Some(PlanningLine { bar })
    }
}

impl Drop for PlanningLine {
    fn drop(&mut self) {
        rollcall_engine::set_plan_progress(None);
        self.bar.finish_and_clear();
    }
}
