//! When each request of an open-loop run falls due, finer than tokio's timer.
//!
//! tokio's timer wheel ticks in milliseconds, so a task woken "every millisecond" sends what
//! fell due since the last tick in one burst: every request waits up to a millisecond (more
//! with the timer's slack) before it leaves, and that wait, counted from the due time, is
//! most of what a light open-loop point measures. Here one OS thread sleeps to each due time
//! with the kernel's high-resolution timer (tens of microseconds of slack) and hands the due
//! requests, round-robin, to the connections' tasks. At high rates it wakes less often than
//! requests fall due and hands out everything due at once, which is as fine as its sleeps.
//!
//! The hand-over queues are unbounded: a connection blocked on a server that stopped reading
//! collects its due times until it can send again (then counts what is past the outstanding
//! limit as errors). That is at most 8 bytes per request the run offers, so bounded by the
//! run's rate and duration.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// A request's due time, in nanoseconds since the run's epoch.
pub type Due = u64;

/// Starts pacing `rate` requests per second over `connections` receivers, from `epoch` until
/// `stop` is set; the receivers end when it stops.
pub fn start(
    rate: f64,
    connections: usize,
    epoch: Instant,
    stop: Arc<AtomicBool>,
) -> (JoinHandle<()>, Vec<UnboundedReceiver<Due>>) {
    let (senders, receivers): (Vec<UnboundedSender<Due>>, Vec<_>) =
        (0..connections.max(1)).map(|_| unbounded_channel()).unzip();
    let thread = std::thread::Builder::new()
        .name("open-loop-pacer".into())
        .spawn(move || pace(rate, &senders, epoch, &stop))
        .expect("spawn the pacer thread");
    (thread, receivers)
}

fn pace(rate: f64, senders: &[UnboundedSender<Due>], epoch: Instant, stop: &AtomicBool) {
    let due_at = |n: u64| Duration::from_secs_f64(n as f64 / rate);
    let mut next = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let now = epoch.elapsed();
        let wait = due_at(next).saturating_sub(now);
        if !wait.is_zero() {
            // Bounded, so a stop is seen within a few milliseconds even at a low rate.
            std::thread::sleep(wait.min(Duration::from_millis(5)));
            continue;
        }
        while due_at(next) <= now {
            let due = due_at(next).as_nanos() as Due;
            // A closed receiver is a connection that failed; the run reports it.
            let _ = senders[next as usize % senders.len()].send(due);
            next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_requests_at_the_rate_round_robin_with_their_due_times() {
        let stop = Arc::new(AtomicBool::new(false));
        let epoch = Instant::now();
        let (thread, mut receivers) = start(2_000.0, 2, epoch, stop.clone());
        std::thread::sleep(Duration::from_millis(300));
        let stopped_at = epoch.elapsed();
        stop.store(true, Ordering::Relaxed);
        thread.join().unwrap();
        let mut dues: Vec<Vec<Due>> = receivers
            .iter_mut()
            .map(|r| std::iter::from_fn(|| r.try_recv().ok()).collect())
            .collect();
        let total: usize = dues.iter().map(Vec::len).sum();
        // Never ahead of the rate (a starved pacer may be behind it when stopped).
        let allowed = (stopped_at.as_secs_f64() * 2_000.0) as usize + 1;
        assert!(
            total > 0 && total <= allowed,
            "{total} of at most {allowed}"
        );
        assert!(dues[0].len().abs_diff(dues[1].len()) <= 1);
        // Connection 0 gets requests 0, 2, 4…: due every millisecond from the epoch.
        for (i, due) in dues.remove(0).into_iter().enumerate() {
            assert_eq!(due, i as u64 * 1_000_000);
        }
    }
}
