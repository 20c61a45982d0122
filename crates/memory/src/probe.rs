//! Work counters for `examples/ann_probe.rs` (feature `probe` only, never in a shipped build):
//! how many code estimates and exact similarities a search computes.

use std::sync::atomic::{AtomicU64, Ordering};

static ESTIMATES: AtomicU64 = AtomicU64::new(0);
static EXACT: AtomicU64 = AtomicU64::new(0);

#[inline]
pub(crate) fn estimate() {
    ESTIMATES.fetch_add(1, Ordering::Relaxed);
}

#[inline]
pub(crate) fn exact() {
    EXACT.fetch_add(1, Ordering::Relaxed);
}

/// (estimates, exact similarities) counted since the last call, and reset them.
pub fn take() -> (u64, u64) {
    (
        ESTIMATES.swap(0, Ordering::Relaxed),
        EXACT.swap(0, Ordering::Relaxed),
    )
}
