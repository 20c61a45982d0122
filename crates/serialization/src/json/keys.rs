//! Object keys known to the reader of one document: each distinct plain key gets a small
//! number a [`Builder`](super::Builder) keys its cache by, and the reader predicts which key
//! comes next so a repeated shape (a list of records with the same fields) is read without
//! searching for the closing quote or hashing the key at all.
//!
//! A prediction is only a guess that is checked: the key's bytes and the closing quote after
//! them must be in the input exactly where the key is read, so a wrong guess costs one
//! comparison and never a wrong key.

/// Keys longer than this are not numbered (field names are short; long keys are data).
pub(crate) const KEY_MAX_LEN: usize = 64;
/// Distinct keys numbered per document; more are read as plain strings.
const MAX_KEYS: usize = 4096;
/// Hash slots for finding a key that was not predicted, as a power of two.
const SLOTS_LOG2: u32 = 9;
/// The table of a document shorter than [`SMALL_DOC`]: 64 slots (256 bytes) instead of 2
/// KiB. Filling and freeing the large table was a third of a 150-byte message's `loads`
/// (glibc serves 2 KiB through its large-request path); so short a document holds few keys.
const SMALL_SLOTS_LOG2: u32 = 6;
const SMALL_DOC: usize = 4096;
/// Nesting levels whose first key is predicted (deeper objects still use `next`).
const MAX_LEVELS: usize = 64;
/// "No key" in the tables below.
const NONE: u32 = u32::MAX;
/// As the previous key: none yet, the next key is an object's first.
pub(crate) const START: u32 = u32::MAX;
/// As the previous key: one that has no number, so nothing is predicted or learned.
pub(crate) const LOST: u32 = u32::MAX - 1;

/// The keys of one document. Spans point into the document, which outlives the reader.
pub(crate) struct KeyMemo {
    /// Start and length in the input of each numbered key's bytes (no escapes: plain text).
    spans: Vec<(usize, usize)>,
    /// The key that followed each numbered key last time, or `NONE`.
    next: Vec<u32>,
    /// The first key of the last object at each nesting level, or `NONE`.
    first: Vec<u32>,
    /// Direct-mapped by a hash of the bytes; `NONE` when empty. Allocated on first use.
    slots: Vec<u32>,
    /// How far the hash is shifted to index `slots` (32 minus its log2 size).
    shift: u32,
}

impl KeyMemo {
    pub(crate) fn new() -> Self {
        Self {
            spans: Vec::new(),
            next: Vec::new(),
            first: Vec::new(),
            slots: Vec::new(),
            shift: 32 - SLOTS_LOG2,
        }
    }

    /// The key expected after `prev` (a key's number, [`START`] or [`LOST`]) in an object
    /// at nesting `level`; `NONE` when there is no guess.
    #[inline(always)]
    pub(crate) fn predict(&self, prev: u32, level: usize) -> u32 {
        match prev {
            START => self.first.get(level).copied().unwrap_or(NONE),
            LOST => NONE,
            p => self.next[p as usize],
        }
    }

    /// Whether key `id` is written at `s[i..]` and closed by a quote there; its length if so.
    #[inline(always)]
    pub(crate) fn matches(&self, s: &[u8], id: u32, i: usize) -> Option<usize> {
        let &(at, n) = self.spans.get(id as usize)?;
        // A numbered key's own closing quote follows its span, so a key of up to 7 bytes is
        // compared with its quote as one masked 8-byte word, and one of 8 to 15 bytes as two
        // whole words, the second ending at the quote (where the words are there to read).
        let far = i.max(at);
        if n < 8 {
            if far + 8 <= s.len() {
                let mask = u64::MAX >> (8 * (7 - n));
                return ((word(s, at) ^ word(s, i)) & mask == 0).then_some(n);
            }
        } else if n < 16 && far + 16 <= s.len() {
            let same = word(s, at) == word(s, i) && word(s, at + n - 7) == word(s, i + n - 7);
            return same.then_some(n);
        }
        if s.get(i + n) != Some(&b'"') {
            return None;
        }
        same_bytes(&s[at..at + n], &s[i..i + n]).then_some(n)
    }

    /// Remember that `id` followed `prev` (or opened an object at `level`).
    #[inline(always)]
    pub(crate) fn learn(&mut self, prev: u32, level: usize, id: u32) {
        match prev {
            START if level < MAX_LEVELS => {
                if self.first.len() <= level {
                    self.first.resize(level + 1, NONE);
                }
                self.first[level] = id;
            }
            START | LOST => {}
            p => self.next[p as usize] = id,
        }
    }

    /// The number of the plain key `s[i..i + n]`, numbering it if it is new; `None` when it
    /// is too long or the table is full (the caller reads it as a plain string).
    #[inline]
    pub(crate) fn find(&mut self, s: &[u8], i: usize, n: usize) -> Option<u32> {
        if n > KEY_MAX_LEN {
            return None;
        }
        if self.slots.is_empty() {
            let log2 = if s.len() < SMALL_DOC {
                SMALL_SLOTS_LOG2
            } else {
                SLOTS_LOG2
            };
            self.slots = vec![NONE; 1 << log2];
            self.shift = 32 - log2;
            // One allocation each for a message's handful of keys, not three regrowths.
            self.spans.reserve(16);
            self.next.reserve(16);
        }
        let key = &s[i..i + n];
        let h = slot(key, self.shift);
        let id = self.slots[h];
        if id != NONE {
            let (at, len) = self.spans[id as usize];
            if same_bytes(&s[at..at + len], key) {
                return Some(id);
            }
        }
        if self.spans.len() >= MAX_KEYS {
            return None;
        }
        let id = self.spans.len() as u32;
        self.spans.push((i, n));
        self.next.push(NONE);
        self.slots[h] = id;
        Some(id)
    }
}

/// The 8 bytes at `s[at..]`, little-endian, read without a bounds check: the key tests run
/// on every key of a document, and the slice's range checks were a third of them.
#[inline(always)]
fn word(s: &[u8], at: usize) -> u64 {
    debug_assert!(at + 8 <= s.len(), "word past the end");
    // SAFETY: every caller has checked that `at + 8 <= s.len()` (`matches`: the larger
    // offset plus 8, or plus 16 when it reads at up to `n - 7 <= 8` past it), so the
    // unaligned 8-byte read stays inside `s`.
    u64::from_le(unsafe { s.as_ptr().add(at).cast::<u64>().read_unaligned() })
}

/// The slot of `key` in a table of `1 << (32 - shift)` slots.
#[inline(always)]
fn slot(key: &[u8], shift: u32) -> usize {
    // Length, first, middle and last byte: constant time, and enough to tell a model's
    // field names apart (a collision only costs a new number, never a wrong key).
    let n = key.len();
    if n == 0 {
        return 0;
    }
    let mix = (n as u32)
        ^ (u32::from(key[0]) << 8)
        ^ (u32::from(key[n / 2]) << 16)
        ^ (u32::from(key[n - 1]) << 24);
    (mix.wrapping_mul(0x9e37_79b1) >> shift) as usize
}

/// Byte equality without a call into libc's memcmp, which dominates for short keys: eight
/// bytes at a time, the last (possibly overlapping) word and the short tails compared whole.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |x: &[u8], at: usize| u64::from_le_bytes(x[at..at + 8].try_into().expect("8"));
    let half = |x: &[u8], at: usize| u32::from_le_bytes(x[at..at + 4].try_into().expect("4"));
    if n >= 8 {
        let mut k = 0;
        while k + 8 < n {
            if word(a, k) != word(b, k) {
                return false;
            }
            k += 8;
        }
        return word(a, n - 8) == word(b, n - 8);
    }
    if n >= 4 {
        return half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4);
    }
    let mut k = 0;
    while k < n {
        if a[k] != b[k] {
            return false;
        }
        k += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_agrees_with_slice_equality_at_every_length() {
        let a: Vec<u8> = (0..40).collect();
        for n in 0..40 {
            for flip in 0..n {
                let mut b = a[..n].to_vec();
                assert!(same_bytes(&a[..n], &b));
                b[flip] ^= 1;
                assert!(!same_bytes(&a[..n], &b), "length {n}, byte {flip}");
            }
            assert!(!same_bytes(&a[..n], &a[..n + 1]));
        }
    }

    #[test]
    fn numbers_are_stable_and_predictions_are_checked() {
        let doc = br#"{"id":1,"name":2} {"id":3,"name":4} {"idx":5}"#;
        let mut m = KeyMemo::new();
        let id = m.find(doc, 2, 2).expect("short key");
        let name = m.find(doc, 9, 4).expect("short key");
        assert_ne!(id, name);
        m.learn(START, 1, id);
        m.learn(id, 1, name);
        // The second object: both keys predicted and found in place.
        assert_eq!(m.predict(START, 1), id);
        assert_eq!(m.matches(doc, id, 20), Some(2));
        assert_eq!(m.predict(id, 1), name);
        assert_eq!(m.matches(doc, name, 27), Some(4));
        // "idx" starts with "id" but the quote is not where "id" ends: no match.
        assert_eq!(m.matches(doc, id, 39), None);
        // Near the end, where no 8-byte word fits: the same answers.
        assert_eq!(m.matches(doc, id, doc.len() - 5), None);
        let tail = br#"{"id":1,"name":2} ["id"]"#;
        assert_eq!(m.matches(tail, id, tail.len() - 4), Some(2));
        assert_eq!(m.matches(tail, name, tail.len() - 4), None);
        assert_eq!(m.find(doc, 2, 2), Some(id));
        assert_ne!(m.find(doc, 39, 3), Some(id));
        // Nothing learned at another level, nor after a key without a number.
        assert_eq!(m.predict(START, 2), NONE);
        assert_eq!(m.predict(LOST, 1), NONE);
        assert_eq!(m.matches(doc, NONE, 2), None);
    }

    #[test]
    fn keys_of_every_length_match_only_themselves_in_place() {
        // Up to 7 bytes one masked word, 8 to 15 two words, longer ones byte by byte; each
        // against itself, against every one-byte change, and against itself cut or
        // extended by a byte, placed far from the end and close to it.
        for n in 1..=20 {
            let key: Vec<u8> = (0..n as u8).map(|k| b'a' + k % 26).collect();
            let mut others = vec![(key.clone(), true)];
            for flip in 0..n {
                let mut other = key.clone();
                other[flip] ^= 0x20;
                others.push((other, false));
            }
            others.push((key[..n - 1].to_vec(), false));
            others.push(([key.as_slice(), b"x"].concat(), false));
            for (other, same) in others {
                for pad in [0, 3, 20] {
                    let mut doc = b"{\"".to_vec();
                    doc.extend(&key);
                    doc.extend(b"\": 1} {\"");
                    let at = doc.len();
                    doc.extend(&other);
                    doc.extend(b"\": 2}");
                    doc.extend(std::iter::repeat_n(b' ', pad));
                    let mut m = KeyMemo::new();
                    let id = m.find(&doc, 2, n).expect("short key");
                    let want = same.then_some(n);
                    assert_eq!(m.matches(&doc, id, at), want, "{n} bytes, pad {pad}");
                }
            }
        }
    }

    #[test]
    fn long_keys_and_a_full_table_are_not_numbered() {
        let long = vec![b'k'; KEY_MAX_LEN + 1];
        let mut m = KeyMemo::new();
        assert_eq!(m.find(&long, 0, long.len()), None);
        let text: Vec<u8> = (0..MAX_KEYS + 10)
            .flat_map(|k| format!("{k:05}").into_bytes())
            .collect();
        let mut numbered = 0;
        for k in 0..MAX_KEYS + 10 {
            numbered += usize::from(m.find(&text, k * 5, 5).is_some());
        }
        assert_eq!(numbered, MAX_KEYS);
        assert_eq!(m.spans.len(), MAX_KEYS);
    }
}
