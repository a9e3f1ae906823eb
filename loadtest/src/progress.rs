//! Live progress of a run on stderr: a bar with the rate and p99 of the last second when
//! stderr is a terminal, one line per second otherwise (CI logs, redirected output).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// Where a run's progress goes.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress of a run of `total` requests.
    pub fn new(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} requests  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar
        });
        Progress { bar }
    }

    /// Reports the second that just ended.
    pub fn second(&self, elapsed_s: f64, sent: u64, rate: u64, p99_ms: f64, in_flight: u64) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(sent);
                bar.set_message(format!(
                    "rate {rate}/s  p99 {p99_ms:.2} ms  in flight {in_flight}"
                ));
            }
            None => eprintln!(
                "  t={elapsed_s:>4.0}s  rate={rate:>6}/s  p99={p99_ms:>8.2} ms  in_flight={in_flight}"
            ),
        }
    }

    /// Ends the bar (the summary follows on stdout).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}
