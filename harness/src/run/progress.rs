//! The `harness run` progress bar: run time against the scenario's duration, on stderr,
//! once the run has taken more than [`SHOW_AFTER`] of wall time. Only a process that
//! called [`install`] draws one (the CLI); library runs and experiments do not.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Wall time after which the bar appears.
pub const SHOW_AFTER: Duration = Duration::from_secs(2);

/// The bar and when the process asked for it.
struct Progress {
    bar: ProgressBar,
    started: Instant,
}

static PROGRESS: OnceLock<Progress> = OnceLock::new();

/// Draw a bar for the runs of this process (once; later calls do nothing).
#[allow(clippy::disallowed_methods)]
pub fn install() {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
    let template = "{elapsed_precise} run time {msg} [{bar:40}] {percent}%";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    let started = Instant::now();
    let _ = PROGRESS.set(Progress { bar, started });
}

/// The run reached `t_us` of `end_us` microseconds.
pub fn tick(t_us: u64, end_us: u64) {
    let Some(p) = PROGRESS.get() else { return };
    if p.bar.is_hidden() && p.started.elapsed() >= SHOW_AFTER {
        p.bar.set_draw_target(ProgressDrawTarget::stderr());
    }
    p.bar.set_length(end_us);
    p.bar.set_position(t_us.min(end_us));
    p.bar.set_message(format!(
        "{:.1}s/{:.1}s",
        t_us as f64 / 1e6,
        end_us as f64 / 1e6
    ));
}

/// The run ended: clear the bar.
pub fn finish() {
    if let Some(p) = PROGRESS.get() {
        p.bar.finish_and_clear();
    }
}
