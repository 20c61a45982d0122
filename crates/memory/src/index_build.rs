//! The background indexer: links pending vectors into the ANN graph, so saves never wait for
//! graph work and opening a large store never stalls. Until a vector is linked, searches scan it
//! exactly, so results never depend on how far the indexer has got.
//!
//! Each insert is planned under the shared lock (the costly neighbour searches run alongside
//! searches, and on several cores in parallel) and committed under the exclusive lock (a few
//! link writes), so a save or search waits at most for one commit.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::{Mutex, RwLock};

use crate::state::State;

/// Planning threads: the cores there are, up to four (beyond that commits serialise anyway).
fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// Link every pending vector (also those added while this runs), unless cancelled.
pub(crate) fn run(state: &Arc<RwLock<State>>, cancel: &AtomicBool) {
    // Slots a worker is planning right now, so two workers never plan the same one.
    let claimed = Mutex::new(BTreeSet::new());
    std::thread::scope(|scope| {
        for _ in 1..workers() {
            scope.spawn(|| work(state, cancel, &claimed));
        }
        work(state, cancel, &claimed);
    });
}

fn work(state: &RwLock<State>, cancel: &AtomicBool, claimed: &Mutex<BTreeSet<u32>>) {
    while !cancel.load(Ordering::Relaxed) {
        let planned = {
            let s = state.read();
            let slot = {
                let mut c = claimed.lock();
                let slot = s.pending.iter().copied().find(|x| !c.contains(x));
                if let Some(x) = slot {
                    c.insert(x);
                }
                slot
            };
            let Some(slot) = slot else { break };
            (slot, s.plan_for(slot))
        };
        let (slot, plan) = planned;
        if let Some((plan, version)) = plan {
            state.write().commit_plan(plan, version);
        }
        claimed.lock().remove(&slot);
        if plan_was_impossible(state, slot) {
            break;
        }
    }
}

/// A slot still pending after its own attempt with no graph to plan against means the state
/// was cleared or reloaded without an index: nothing left for this worker to do.
fn plan_was_impossible(state: &RwLock<State>, slot: u32) -> bool {
    let s = state.read();
    s.ann.is_none() && s.pending.contains(&slot)
}
