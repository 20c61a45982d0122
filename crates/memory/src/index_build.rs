//! Building the ANN graph in the background, so opening a large store or crossing the size at
//! which the graph pays off never stalls a call: searches scan exactly until the graph is ready,
//! and writes that land meanwhile are replayed into it before it is switched on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::RwLock;

use crate::hnsw::Hnsw;
use crate::state::State;

/// Inserts per read-lock hold: short enough that a writer waits at most a few milliseconds.
const CHUNK: usize = 8;

/// Whether the state is big enough for the graph and has none (and no build running).
pub(crate) fn wanted(state: &State) -> bool {
    state.ann.is_none()
        && state.build_log.is_none()
        && state
            .dim()
            .is_some_and(|d| state.vec_count() * d > state.exact_budget)
}

/// Build the graph for the state as it is now; returns false if the state was replaced
/// (cleared, reloaded) or `cancel` was set before the graph could be switched on.
pub(crate) fn build(state: &Arc<RwLock<State>>, cancel: &AtomicBool) -> bool {
    let (slots, epoch) = {
        let mut s = state.write();
        if !wanted(&s) {
            return false;
        }
        s.build_log = Some(Vec::new());
        (s.vector_slots(), s.epoch())
    };
    let mut ann = Hnsw::new();
    for chunk in slots.chunks(CHUNK) {
        if cancel.load(Ordering::Relaxed) {
            return abandon(state, epoch);
        }
        let s = state.read();
        if s.epoch() != epoch {
            return false;
        }
        let vectors = s
            .vectors
            .as_ref()
            .expect("a state with vectors has storage");
        for &slot in chunk {
            if s.has_vector(slot) {
                ann.insert(slot, vectors);
            }
        }
    }
    let mut s = state.write();
    if s.epoch() != epoch {
        return false;
    }
    let mut changed = s.build_log.take().unwrap_or_default();
    changed.sort_unstable();
    changed.dedup();
    let vectors = s
        .vectors
        .as_ref()
        .expect("a state with vectors has storage");
    for slot in changed {
        ann.remove(slot);
        if s.has_vector(slot) {
            ann.insert(slot, vectors);
        }
    }
    s.ann = Some(ann);
    true
}

fn abandon(state: &Arc<RwLock<State>>, epoch: u64) -> bool {
    let mut s = state.write();
    if s.epoch() == epoch {
        s.build_log = None;
    }
    false
}
