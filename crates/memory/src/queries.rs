//! Read-only queries over the state other than vector search: listing, scope info, counts,
//! and the selection of records a delete removes.

use std::collections::{BTreeMap, BTreeSet};

use crewai_rust_serialization::record::Record;
use serde_json::{Map, Value};

use crate::filters::metadata_matches;
use crate::scope::{child_of, in_scope};
use crate::state::{ScopeAgg, State};

/// What `scope_info` reports about a scope and everything under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeInfo {
    pub path: String,
    pub record_count: usize,
    pub categories: Vec<String>,
    pub oldest_created_at: Option<String>,
    pub newest_created_at: Option<String>,
    pub child_scopes: Vec<String>,
}

/// Criteria of a delete, combined with AND; all absent = delete nothing.
#[derive(Debug, Clone, Default)]
pub struct DeleteCriteria {
    /// Canonical scope prefix (see [`crate::normalise_prefix`]).
    pub scope_prefix: Option<String>,
    pub categories: Vec<String>,
    pub record_ids: Option<Vec<String>>,
    pub older_than_us: Option<i64>,
    pub metadata_filter: Option<Map<String, Value>>,
}

impl DeleteCriteria {
    fn is_empty(&self) -> bool {
        self.scope_prefix.is_none()
            && self.categories.is_empty()
            && self.record_ids.as_ref().is_none_or(Vec::is_empty)
            && self.older_than_us.is_none()
            && self.metadata_filter.is_none()
    }
}

impl State {
    /// Newest first by `created_us`, ties by id ascending.
    pub fn list_records(&self, scope: Option<&str>, limit: usize, offset: usize) -> Vec<Record> {
        self.order
            .iter()
            .map(|(_, id)| self.slot_of(id).expect("ordered id is live"))
            .filter(|&s| in_scope(&self.stored(s).rec.scope, scope))
            .skip(offset)
            .take(limit)
            .map(|s| self.record_at(s))
            .collect()
    }

    pub fn count(&self, scope: Option<&str>) -> usize {
        match scope {
            None => self.len(),
            Some(_) => self.scopes_under(scope).map(|(_, set)| set.len()).sum(),
        }
    }

    /// Immediate child scopes of `parent` (canonical, `None` = root), sorted.
    pub fn list_scopes(&self, parent: Option<&str>) -> Vec<String> {
        let children: BTreeSet<String> = self
            .scopes_under(parent)
            .filter_map(|(s, _)| child_of(s, parent))
            .collect();
        children.into_iter().collect()
    }

    pub fn list_categories(&self, scope: Option<&str>) -> BTreeMap<String, usize> {
        match scope {
            None => self
                .categories
                .iter()
                .map(|(c, set)| (c.clone(), set.len()))
                .collect(),
            Some(_) => {
                let mut out = BTreeMap::new();
                for agg in self.aggs_under(scope) {
                    for (c, n) in &agg.categories {
                        *out.entry(c.clone()).or_insert(0) += n;
                    }
                }
                out
            }
        }
    }

    /// `path` is reported as given; `scope` is its canonical form.
    pub fn scope_info(&self, path: &str, scope: Option<&str>) -> ScopeInfo {
        let mut count = 0;
        let mut categories = BTreeSet::new();
        // (created_us, id, slot) extremes; ties resolve to the smaller id at both ends.
        let mut oldest: Option<(i64, &str, u32)> = None;
        let mut newest: Option<(i64, &str, u32)> = None;
        for agg in self.aggs_under(scope) {
            count += agg.times.len();
            categories.extend(agg.categories.keys());
            let ends = [
                self.time_end(agg.times.iter()),
                self.time_end(agg.times.iter().rev()),
            ];
            if let Some(k) = ends[0]
                && oldest.is_none_or(|o| (k.0, k.1) < (o.0, o.1))
            {
                oldest = Some(k);
            }
            if let Some(k) = ends[1]
                && newest.is_none_or(|n| k.0 > n.0 || (k.0 == n.0 && k.1 < n.1))
            {
                newest = Some(k);
            }
        }
        let text = |k: Option<(i64, &str, u32)>| k.map(|k| self.stored(k.2).rec.created_at.clone());
        ScopeInfo {
            path: path.to_owned(),
            record_count: count,
            categories: categories.into_iter().cloned().collect(),
            oldest_created_at: text(oldest),
            newest_created_at: text(newest),
            child_scopes: self.list_scopes(scope),
        }
    }

    /// The aggregates of every stored scope at or under `scope`.
    fn aggs_under<'a>(&'a self, scope: Option<&'a str>) -> impl Iterator<Item = &'a ScopeAgg> + 'a {
        self.scopes_under(scope)
            .filter_map(|(s, _)| self.aggs.get(s))
    }

    /// The first `(created_us, id, slot)` of an end of a scope's time order: among records with
    /// the end's `created_us`, the smallest id.
    fn time_end<'a>(
        &'a self,
        mut times: impl Iterator<Item = &'a (i64, u32)>,
    ) -> Option<(i64, &'a str, u32)> {
        let &(t, first) = times.next()?;
        let mut best = (t, self.stored(first).rec.id.as_str(), first);
        for &(t2, slot) in times.take_while(|(t2, _)| *t2 == t) {
            let id = self.stored(slot).rec.id.as_str();
            if id < best.1 {
                best = (t2, id, slot);
            }
        }
        Some(best)
    }

    /// Ids a delete with these criteria removes, in slot order.
    pub fn select_for_delete(&self, c: &DeleteCriteria) -> Vec<String> {
        if c.is_empty() {
            return Vec::new();
        }
        let slots: Vec<u32> = match c.record_ids.as_ref().filter(|ids| !ids.is_empty()) {
            Some(ids) => {
                let mut v: Vec<u32> = ids.iter().filter_map(|id| self.slot_of(id)).collect();
                v.sort_unstable();
                v.dedup();
                v
            }
            None => match self.candidates(c.scope_prefix.as_deref(), &c.categories) {
                Some(v) => v,
                None => self.live_slots().collect(),
            },
        };
        slots
            .into_iter()
            .filter(|&slot| {
                let s = self.stored(slot);
                in_scope(&s.rec.scope, c.scope_prefix.as_deref())
                    && (c.categories.is_empty()
                        || s.rec.categories.iter().any(|x| c.categories.contains(x)))
                    && c.older_than_us.is_none_or(|t| s.rec.created_us < t)
                    && c.metadata_filter
                        .as_ref()
                        .is_none_or(|m| metadata_matches(&s.meta, m))
            })
            .map(|slot| self.stored(slot).rec.id.clone())
            .collect()
    }

    /// Ids among `ids` that exist (each once, first occurrence order).
    pub fn existing_ids(&self, ids: &[String]) -> Vec<String> {
        let mut seen = BTreeSet::new();
        ids.iter()
            .filter(|id| self.slot_of(id).is_some() && seen.insert(id.as_str()))
            .cloned()
            .collect()
    }

    pub(crate) fn live_slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .map(|(i, _)| i as u32)
    }
}
