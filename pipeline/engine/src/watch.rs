//! Watching plugin calls: which plugin is working on which take, for how long. A plugin runs in the
//! process, so it cannot be stopped; but a hang is named (plugin and take) instead of silent, and a
//! plugin that ends the process is named by the exit guard in the command line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// One plugin call in progress.
#[derive(Clone, Debug)]
pub struct PluginCall {
    /// The plugin's name.
    pub plugin: String,
    /// The take it was given.
    pub take: PathBuf,
    /// How long it has been working.
    pub elapsed: Duration,
}

/// Plugin calls in progress by thread: plugin, take, start.
type CallTable = Mutex<HashMap<ThreadId, (String, PathBuf, Instant)>>;

/// Calls in progress, by thread.
fn calls() -> &'static CallTable {
    static CALLS: OnceLock<CallTable> = OnceLock::new();
    CALLS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Run `call` (a plugin working on `take`), recorded as in progress while it runs.
pub fn watched<R>(plugin: &str, take: &Path, call: impl FnOnce() -> R) -> R {
    let thread = std::thread::current().id();
    if let Ok(mut calls) = calls().lock() {
        calls.insert(
            thread,
            (plugin.to_string(), take.to_path_buf(), Instant::now()),
        );
    }
    let result = call();
    if let Ok(mut calls) = calls().lock() {
        calls.remove(&thread);
    }
    result
}

/// The plugin calls in progress now, longest first.
pub fn calls_in_progress() -> Vec<PluginCall> {
    let mut list: Vec<PluginCall> = calls()
        .lock()
        .map(|calls| {
            calls
                .values()
                .map(|(plugin, take, started)| PluginCall {
                    plugin: plugin.clone(),
                    take: take.clone(),
                    elapsed: started.elapsed(),
                })
                .collect()
        })
        .unwrap_or_default();
    list.sort_by_key(|c| std::cmp::Reverse(c.elapsed));
    list
}

/// Start a thread that calls `on_hang` with a sentence naming the plugin and the take once a plugin
/// call has run longer than `limit`. `on_hang` is expected to end the process.
pub fn start_watchdog(limit: Duration, on_hang: Box<dyn Fn(&str) + Send>) {
    let spawned = std::thread::Builder::new()
        .name("rollcall-plugin-watch".to_string())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(200).min(limit));
            if let Some(call) = calls_in_progress()
                .into_iter()
                .find(|c| c.elapsed >= limit)
            {
                on_hang(&format!(
                    "plugin `{}` has not answered for {} s on {}; it hangs, so the run stops before writing anything (raise --plugin-timeout if it is only slow)",
                    call.plugin,
                    call.elapsed.as_secs(),
                    call.take.display()
                ));
                return;
            }
        });
    // Without the thread a hang stays silent, as before; nothing else depends on it.
    drop(spawned);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_listed_while_it_runs_and_gone_after() {
        let take = Path::new("/rolls/A001.WAV");
        let during = watched("rename", take, calls_in_progress);
        assert!(during
            .iter()
            .any(|c| c.plugin == "rename" && c.take == take));
        assert!(!calls_in_progress()
            .iter()
            .any(|c| c.plugin == "rename" && c.take == take));
    }
}
