//! The requests-per-minute limiter behind `RPMController`, without crewai's timer thread: the
//! count resets lazily at each period boundary (crewai re-arms a 60 s `threading.Timer`), and a
//! caller over the limit waits one full period holding the lock, as crewai's
//! `time.sleep(60)` inside its lock does, then counts as the first request of a new window.

use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::ToolsError;

#[derive(Debug)]
struct Window {
    start: Instant,
    count: u64,
    stopped: bool,
}

/// A fixed-window limiter: at most `max_requests` grants per `period`.
#[derive(Debug)]
pub struct RateLimiter {
    max_requests: u64,
    period: Duration,
    window: Mutex<Window>,
}

impl RateLimiter {
    pub fn new(max_requests: u64, period: Duration) -> Result<Self, ToolsError> {
        if period.is_zero() {
            return Err(ToolsError::InvalidConfig("period must be positive".into()));
        }
        Ok(Self {
            max_requests,
            period,
            window: Mutex::new(Window {
                start: Instant::now(),
                count: 0,
                stopped: false,
            }),
        })
    }

    pub fn max_requests(&self) -> u64 {
        self.max_requests
    }

    pub fn period(&self) -> Duration {
        self.period
    }

    /// Count a request if the current window has room; `false` means the caller must wait.
    pub fn try_acquire(&self) -> bool {
        let mut w = self.window.lock();
        self.roll(&mut w, Instant::now());
        if w.count < self.max_requests {
            w.count += 1;
            true
        } else {
            false
        }
    }

    /// Wait one full period (holding the lock, so concurrent callers queue behind it, as in
    /// crewai), then count this request as the first of a fresh window.
    pub fn wait_and_acquire(&self) {
        let mut w = self.window.lock();
        std::thread::sleep(self.period);
        w.start = Instant::now();
        w.count = 1;
    }

    /// Requests counted in the current window.
    pub fn current(&self) -> u64 {
        let mut w = self.window.lock();
        self.roll(&mut w, Instant::now());
        w.count
    }

    /// crewai's `stop_rpm_counter`: the count stops resetting by itself.
    pub fn stop(&self) {
        self.window.lock().stopped = true;
    }

    fn roll(&self, w: &mut Window, now: Instant) {
        if w.stopped {
            return;
        }
        let elapsed = now.duration_since(w.start);
        if elapsed >= self.period {
            let periods = elapsed.as_nanos() / self.period.as_nanos();
            let step = self.period.as_nanos() * periods;
            w.start += Duration::from_nanos(u64::try_from(step).unwrap_or(u64::MAX));
            w.count = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_up_to_the_limit_then_resets_each_period() {
        let limiter = RateLimiter::new(2, Duration::from_millis(50)).unwrap();
        assert!(limiter.try_acquire());
        assert!(limiter.try_acquire());
        assert!(!limiter.try_acquire());
        std::thread::sleep(Duration::from_millis(60));
        assert!(limiter.try_acquire());
        assert_eq!(limiter.current(), 1);
    }

    #[test]
    fn waiting_starts_a_new_window_and_stop_freezes_resets() {
        let limiter = RateLimiter::new(1, Duration::from_millis(30)).unwrap();
        assert!(limiter.try_acquire());
        let before = Instant::now();
        limiter.wait_and_acquire();
        assert!(before.elapsed() >= Duration::from_millis(30));
        assert_eq!(limiter.current(), 1);
        limiter.stop();
        std::thread::sleep(Duration::from_millis(40));
        assert!(
            !limiter.try_acquire(),
            "stopped: the window no longer resets"
        );
        assert!(RateLimiter::new(1, Duration::ZERO).is_err());
    }
}
