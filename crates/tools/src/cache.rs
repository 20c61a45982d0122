//! The tool-result cache behind `CacheHandler`: crewai's key (`"{tool}-{input}"`), lookups that
//! run concurrently under a read lock, and the bounds crewai's unbounded dict lacks: a maximum
//! number of entries, a maximum total weight (the caller's size estimate), and a time to live.
//! Eviction is oldest-inserted first, so a read never needs the write lock.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::RwLock;

use crate::ToolsError;

/// crewai's cache key. Note it is ambiguous (`("a-b", "c")` and `("a", "b-c")` share a key),
/// which is kept: a drop-in must hit where crewai hits.
///
/// Keys are bytes so a caller can pass any Python string losslessly (UTF-8 with surrogates
/// passed through), keeping distinct Python keys distinct.
pub fn cache_key(tool: &[u8], input: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(tool.len() + input.len() + 1);
    key.extend_from_slice(tool);
    key.push(b'-');
    key.extend_from_slice(input);
    key
}

/// Optional limits; `None` everywhere is crewai's behaviour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bounds {
    pub max_entries: Option<usize>,
    pub max_weight: Option<usize>,
    pub ttl: Option<Duration>,
}

#[derive(Debug)]
struct Entry<V> {
    value: V,
    weight: usize,
    inserted: Instant,
    seq: u64,
}

#[derive(Debug)]
struct Inner<V> {
    map: HashMap<Vec<u8>, Entry<V>>,
    /// Insertion order; an item whose `seq` no longer matches the map was overwritten.
    order: VecDeque<(Vec<u8>, u64)>,
    weight: usize,
    next_seq: u64,
}

/// A thread-safe map from cache key to value with optional bounds.
#[derive(Debug)]
pub struct ResultCache<V> {
    bounds: Bounds,
    inner: RwLock<Inner<V>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Counters for monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub entries: usize,
    pub weight: usize,
    pub hits: u64,
    pub misses: u64,
}

impl<V: Clone> ResultCache<V> {
    pub fn new(bounds: Bounds) -> Result<Self, ToolsError> {
        if bounds.max_entries == Some(0) {
            return Err(ToolsError::InvalidConfig(
                "max_entries must be at least 1".into(),
            ));
        }
        if bounds.ttl.is_some_and(|t| t.is_zero()) {
            return Err(ToolsError::InvalidConfig("ttl must be positive".into()));
        }
        Ok(Self {
            bounds,
            inner: RwLock::new(Inner {
                map: HashMap::new(),
                order: VecDeque::new(),
                weight: 0,
                next_seq: 0,
            }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        })
    }

    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// The value stored under `key`, unless absent or older than the TTL.
    pub fn get(&self, key: &[u8]) -> Option<V> {
        let found = {
            let inner = self.inner.read();
            inner
                .map
                .get(key)
                .and_then(|e| (!self.expired(e, Instant::now())).then(|| e.value.clone()))
        };
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Store `value` under `key` (replacing any previous value), then evict to the bounds.
    /// An entry heavier than `max_weight` on its own is not stored at all.
    ///
    /// Returns the values that left the cache, so the caller drops them after the lock is
    /// released (dropping a Python object can run arbitrary code, even code using this cache).
    #[must_use = "drop the displaced values outside any lock"]
    pub fn insert(&self, key: Vec<u8>, value: V, weight: usize) -> Vec<V> {
        if self.bounds.max_weight.is_some_and(|max| weight > max) {
            // The newest result for this key must not be an older one.
            return self
                .remove(&key)
                .into_iter()
                .chain(std::iter::once(value))
                .collect();
        }
        let mut displaced = Vec::new();
        let now = Instant::now();
        let mut inner = self.inner.write();
        let seq = inner.next_seq;
        inner.next_seq += 1;
        if let Some(old) = inner.map.insert(
            key.clone(),
            Entry {
                value,
                weight,
                inserted: now,
                seq,
            },
        ) {
            inner.weight -= old.weight;
            displaced.push(old.value);
        }
        inner.weight += weight;
        inner.order.push_back((key, seq));
        self.evict(&mut inner, now, &mut displaced);
        if inner.order.len() > 2 * inner.map.len() + 64 {
            let Inner { map, order, .. } = &mut *inner;
            order.retain(|(k, s)| map.get(k).is_some_and(|e| e.seq == *s));
        }
        displaced
    }

    /// Remove `key`; returns its value for the caller to drop outside the lock.
    #[must_use = "drop the displaced value outside any lock"]
    pub fn remove(&self, key: &[u8]) -> Option<V> {
        let mut inner = self.inner.write();
        let old = inner.map.remove(key)?;
        inner.weight -= old.weight;
        Some(old.value)
    }

    /// Empty the cache; returns the values for the caller to drop outside the lock.
    #[must_use = "drop the displaced values outside any lock"]
    pub fn clear(&self) -> Vec<V> {
        let mut inner = self.inner.write();
        inner.order.clear();
        inner.weight = 0;
        inner.map.drain().map(|(_, e)| e.value).collect()
    }

    pub fn stats(&self) -> CacheStats {
        let inner = self.inner.read();
        CacheStats {
            entries: inner.map.len(),
            weight: inner.weight,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    fn expired(&self, entry: &Entry<V>, now: Instant) -> bool {
        self.bounds
            .ttl
            .is_some_and(|ttl| now.duration_since(entry.inserted) >= ttl)
    }

    fn evict(&self, inner: &mut Inner<V>, now: Instant, displaced: &mut Vec<V>) {
        loop {
            let over_count = self.bounds.max_entries.is_some_and(|m| inner.map.len() > m);
            let over_weight = self.bounds.max_weight.is_some_and(|m| inner.weight > m);
            let Some((key, seq)) = inner.order.front().cloned() else {
                break;
            };
            let live = inner.map.get(&key).filter(|e| e.seq == seq);
            let Some(entry) = live else {
                inner.order.pop_front(); // overwritten or removed since
                continue;
            };
            if !(over_count || over_weight || self.expired(entry, now)) {
                break;
            }
            inner.order.pop_front();
            if let Some(old) = inner.map.remove(&key) {
                inner.weight -= old.weight;
                displaced.push(old.value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_crewais() {
        assert_eq!(cache_key(b"a-b", b"c"), cache_key(b"a", b"b-c"));
    }

    #[test]
    fn bounds_evict_oldest() {
        let cache = ResultCache::new(Bounds {
            max_entries: Some(2),
            ..Bounds::default()
        })
        .unwrap();
        let _ = cache.insert(b"a".to_vec(), 1, 0);
        let _ = cache.insert(b"b".to_vec(), 2, 0);
        let _ = cache.insert(b"a".to_vec(), 3, 0); // overwrite refreshes a's age
        let _ = cache.insert(b"c".to_vec(), 4, 0);
        assert_eq!(cache.get(b"b"), None);
        assert_eq!(cache.get(b"a"), Some(3));
        assert_eq!(cache.get(b"c"), Some(4));
    }

    #[test]
    fn weight_and_ttl() {
        let cache = ResultCache::new(Bounds {
            max_weight: Some(10),
            ..Bounds::default()
        })
        .unwrap();
        let _ = cache.insert(b"a".to_vec(), 1, 6);
        let _ = cache.insert(b"b".to_vec(), 2, 6);
        assert_eq!(cache.get(b"a"), None);
        let _ = cache.insert(b"b".to_vec(), 5, 11);
        assert_eq!(
            cache.get(b"b"),
            None,
            "too heavy: not stored, and the older value is gone"
        );
        let ttl = ResultCache::new(Bounds {
            ttl: Some(Duration::from_millis(20)),
            ..Bounds::default()
        })
        .unwrap();
        let _ = ttl.insert(b"k".to_vec(), 1, 0);
        assert_eq!(ttl.get(b"k"), Some(1));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(ttl.get(b"k"), None);
        assert!(
            ResultCache::<i32>::new(Bounds {
                max_entries: Some(0),
                ..Bounds::default()
            })
            .is_err()
        );
    }
}
