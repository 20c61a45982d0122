//! The background indexer: links pending vectors into the ANN graph one at a time, so saves
//! never wait for graph work and opening a large store never stalls. Until a vector is linked,
//! searches scan it exactly, so results never depend on how far the indexer has got.
//!
//! Each insert is planned under the shared lock (the costly neighbour searches run alongside
//! searches) and committed under the exclusive lock (a few link writes), so a save or search
//! waits at most for a commit.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::RwLock;

use crate::state::State;

/// Link every pending vector (also those added while this runs), unless cancelled.
pub(crate) fn run(state: &Arc<RwLock<State>>, cancel: &AtomicBool) {
    while !cancel.load(Ordering::Relaxed) {
        let Some((plan, version)) = state.read().plan_next() else {
            break;
        };
        state.write().commit_plan(plan, version);
    }
}
