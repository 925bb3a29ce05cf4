//! The server's CPU time and memory, read from /proc (Linux only), so every run reports what
//! it cost the server, not just what the client saw.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ProcSample {
    /// User + system CPU seconds since the process started.
    pub cpu_seconds: f64,
    pub rss_kb: u64,
    /// Peak RSS (VmHWM).
    pub peak_rss_kb: u64,
}

/// Reads a sample of `pid`, or `None` if the process is gone or /proc is unreadable.
pub fn sample(pid: u32) -> Option<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb = |key: &str| -> Option<u64> {
        status
            .lines()
            .find(|l| l.starts_with(key))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some(ProcSample {
        // The kernel's USER_HZ is 100 on every Linux this runs on.
        cpu_seconds: ticks as f64 / 100.0,
        rss_kb: kb("VmRSS:")?,
        peak_rss_kb: kb("VmHWM:")?,
    })
}
