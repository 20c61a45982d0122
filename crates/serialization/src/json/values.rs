//! Short string values repeated within one document (a record's category, scope or source, a
//! flow step's stage), found again so a [`Builder`](super::Builder) can hand out the value it
//! already made for the same text instead of allocating, filling and later freeing another.
//!
//! The memo is a small direct-mapped table over the document's own bytes: each slot holds the
//! first and last 8 bytes, length and place of the last string stored there, and a hit is
//! proved by comparing them (and, past 16 bytes, the middle from the document), so a
//! collision only costs a miss, never a wrong value. Three bounds keep strings that do not
//! repeat (ids, timestamps, prose) from paying for it: only strings of 1 to
//! [`VALUE_MAX_LEN`] bytes are looked up; each context (the object key a value belongs to,
//! or the key of the array it is an item of) stops being looked up once its misses outweigh
//! its hits; and the table is sized by the document, and not made at all for a document
//! under [`MIN_DOCUMENT`] bytes (whose few strings would not repay the allocations).

/// Longer strings are not looked up (ids, timestamps and prose are long and rarely repeat).
pub(crate) const VALUE_MAX_LEN: usize = 32;
/// Smaller documents are read without the memo.
pub(crate) const MIN_DOCUMENT: usize = 1024;
/// Slots of the table as a power of two, by document size: at most 256 (a few dozen
/// distinct repeated values rarely collide there), at least 16.
const MAX_SLOT_BITS: u32 = 8;
const MIN_SLOT_BITS: u32 = 4;
/// A context is no longer looked up once its debt (misses, less two per hit) reaches this:
/// enough misses for a field that cycles through a few dozen values to fill the table first.
const MAX_DEBT: u8 = 32;
/// Debts kept per document: contexts (object keys' numbers) share one when equal modulo
/// this, which only merges their accounting.
const DEBTS: usize = 1 << u8::BITS;
/// A slot's `hot` bit (in its length): its string was found again since it was stored. A
/// miss that lands on a hot slot clears the bit instead of replacing the string (a second
/// chance), so the unique strings between two uses of a repeated value rarely push it out.
const HOT: u32 = 1 << 31;

/// What the reader does with a string the memo was asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// The slot holds this very text: the builder's value for the slot is the string's.
    Hit(u32),
    /// The slot now holds this text: the builder should remember the value it makes.
    Store(u32),
    /// Not cached (too long, empty, a hot slot kept, or its context does not repeat).
    Skip,
}

impl Lookup {
    /// The slot, and whether it held this text already; `None` for [`Lookup::Skip`].
    #[inline(always)]
    pub(crate) fn slot(self) -> Option<(u32, bool)> {
        match self {
            Lookup::Hit(k) => Some((k, true)),
            Lookup::Store(k) => Some((k, false)),
            Lookup::Skip => None,
        }
    }
}

/// One slot: the stored string's first and last 8 bytes (see [`ends`]), where it is in the
/// document and its length (0: empty) with [`HOT`].
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    head: u64,
    tail: u64,
    at: u32,
    len: u32,
}

/// The memo of one document. Spans point into the document, which outlives the reader.
pub(crate) struct ValueMemo {
    /// Allocated on first use, sized by the document.
    slots: Vec<Slot>,
    /// `64 - log2(slots)`: the hash's top bits pick the slot.
    shift: u32,
    /// Per context (modulo [`DEBTS`]): misses less two per hit. All at the limit for a
    /// document too small to bother, which makes every lookup a skip. A fixed array indexed
    /// by a byte: no allocation and no bounds test on the path every string takes.
    debts: [u8; DEBTS],
}

impl ValueMemo {
    /// The memo of a document of `len` bytes.
    pub(crate) fn new(len: usize) -> Self {
        Self {
            slots: Vec::new(),
            shift: 64,
            debts: [if len >= MIN_DOCUMENT { 0 } else { MAX_DEBT }; DEBTS],
        }
    }

    /// Look up the string `s[i..i + n]`, which the reader has found to be plain text closed
    /// by a quote at `s[i + n]`, read as a value in context `ctx` (an object key's number,
    /// or anything else for values outside a numbered key).
    #[inline(always)]
    pub(crate) fn lookup(&mut self, s: &[u8], i: usize, n: usize, ctx: u32) -> Lookup {
        // The tests every string pays, cheapest first: eight bytes must be there to read at
        // `i` (a short string near the document's end is simply not cached).
        let c = usize::from(ctx as u8);
        // (`i + max(n, 8)` in bounds also makes the unchecked word reads below sound.)
        if n.wrapping_sub(1) >= VALUE_MAX_LEN || i + n.max(8) > s.len() || self.debts[c] >= MAX_DEBT
        {
            return Lookup::Skip;
        }
        let (head, tail) = ends(s, i, n);
        if self.slots.is_empty() {
            self.init(s.len());
        }
        let mix = (head ^ tail.rotate_left(29) ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let k = (mix >> self.shift) as usize;
        let slot = &mut self.slots[k];
        if slot.len & !HOT == n as u32
            && slot.head == head
            && slot.tail == tail
            && (n <= 16
                || (slot.at as usize + n <= s.len() && same_middle(s, slot.at as usize, i, n)))
        {
            slot.len |= HOT;
            self.debts[c] = self.debts[c].saturating_sub(2);
            return Lookup::Hit(k as u32);
        }
        self.debts[c] += 1;
        // Offsets are kept in 32 bits.
        if slot.len & HOT != 0 || i + n > u32::MAX as usize {
            slot.len &= !HOT;
            return Lookup::Skip;
        }
        *slot = Slot {
            head,
            tail,
            at: i as u32,
            len: n as u32,
        };
        Lookup::Store(k as u32)
    }

    /// The table for a document of `len` bytes: a slot per 64 bytes, within the bounds.
    #[cold]
    fn init(&mut self, len: usize) {
        let bits = (len >> 6)
            .max(1)
            .ilog2()
            .clamp(MIN_SLOT_BITS, MAX_SLOT_BITS);
        self.slots = vec![Slot::default(); 1 << bits];
        self.shift = 64 - bits;
    }
}

/// The first and the last 8 bytes of the string `s[i..i + n]` (1 to 32 bytes, with 8 bytes
/// readable at `i` and a closing quote at `i + n`), little-endian: a string under 8 bytes is
/// one zero-padded word, given twice. Together with the length they are the whole string up
/// to 16 bytes; longer ones also compare their middle ([`same_middle`]).
#[inline(always)]
fn ends(s: &[u8], i: usize, n: usize) -> (u64, u64) {
    let head = word(s, i);
    if n < 8 {
        let w = head & (u64::MAX >> (8 * (8 - n)));
        return (w, w);
    }
    (head, word(s, i + n - 8))
}

/// Whether the strings of `n` (17 to 32) bytes at `a` and `b` agree on bytes 8 to `n - 8`,
/// which their first and last 8 bytes do not cover: two 8-byte words from 8 and `n - 16`.
#[inline(always)]
fn same_middle(s: &[u8], a: usize, b: usize, n: usize) -> bool {
    word(s, a + 8) == word(s, b + 8) && word(s, a + n - 16) == word(s, b + n - 16)
}

/// The 8 bytes at `s[at..]`, little-endian, read without a bounds check (every string of a
/// large document is looked up, and the slice's range checks were a fifth of a lookup).
#[inline(always)]
fn word(s: &[u8], at: usize) -> u64 {
    debug_assert!(at + 8 <= s.len(), "word past the end");
    // SAFETY: `lookup` checked `i + max(n, 8) <= s.len()` and reads words inside
    // `s[i..i + max(n, 8)]`; `same_middle` reads inside `s[a..a + n]` and `s[b..b + n]`,
    // both checked in bounds before it is called.
    u64::from_le(unsafe { s.as_ptr().add(at).cast::<u64>().read_unaligned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A memo that is on whatever the document's size (the tests' documents are small).
    fn memo() -> ValueMemo {
        ValueMemo {
            ..ValueMemo::new(MIN_DOCUMENT)
        }
    }

    #[test]
    fn a_small_document_is_read_without_the_memo() {
        let text = r#"["same", "same", "same"]"#;
        for (len, on) in [
            (text.len(), false),
            (MIN_DOCUMENT - 1, false),
            (MIN_DOCUMENT, true),
        ] {
            let doc = format!("{text:<len$}");
            let mut m = ValueMemo::new(doc.len());
            let got: Vec<Lookup> = strings(doc.as_bytes())
                .into_iter()
                .map(|(i, n)| m.lookup(doc.as_bytes(), i, n, 0))
                .collect();
            assert_eq!(got.contains(&Lookup::Skip), !on, "{len}: {got:?}");
            assert_eq!(m.slots.is_empty(), !on);
        }
    }

    /// The document and the body offset of each of its quoted strings (no escapes).
    fn strings(doc: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut k = 0;
        while k < doc.len() {
            if doc[k] == b'"' {
                let end = k
                    + 1
                    + doc[k + 1..]
                        .iter()
                        .position(|&b| b == b'"')
                        .expect("closed");
                out.push((k + 1, end - k - 1));
                k = end + 1;
            } else {
                k += 1;
            }
        }
        out
    }

    #[test]
    fn only_equal_strings_hit() {
        // Every length up to the limit, against the same text with one byte changed at every
        // position, placed before and after it, near the document's end and inside it.
        for n in 1..=VALUE_MAX_LEN {
            let text: Vec<u8> = (0..n as u8).map(|k| b'a' + k % 26).collect();
            for flip in 0..n {
                let mut other = text.clone();
                other[flip] ^= 0x20;
                for tail in [0, 1, 7, 40] {
                    for (x, y) in [(&text, &other), (&other, &text), (&text, &text)] {
                        let mut doc = b"[\"".to_vec();
                        doc.extend(x.iter());
                        doc.extend(b"\", \"");
                        doc.extend(y.iter());
                        doc.extend(b"\"]");
                        doc.extend(std::iter::repeat_n(b' ', tail));
                        let mut m = memo();
                        let first = m.lookup(&doc, 2, n, 0);
                        let second = m.lookup(&doc, 6 + n, n, 0);
                        let Lookup::Store(slot) = first else {
                            panic!("first use stores: {first:?}")
                        };
                        if 6 + n + 8 > doc.len() {
                            assert_eq!(second, Lookup::Skip, "too near the end to load");
                        } else if x == y {
                            assert_eq!(second, Lookup::Hit(slot), "length {n}");
                        } else {
                            assert_ne!(second, Lookup::Hit(slot), "length {n}, byte {flip}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_short_string_near_the_end_is_not_cached() {
        let doc = br#"["ab", "ab"]"#;
        let mut m = memo();
        assert!(matches!(m.lookup(doc, 2, 2, 0), Lookup::Store(_)));
        // Fewer than 8 bytes from the second "ab" to the end.
        assert_eq!(m.lookup(doc, 8, 2, 0), Lookup::Skip);
    }

    #[test]
    fn repeated_values_hit_and_others_store() {
        // Padded to a large document: the full-size table, where these do not collide.
        let text = r#"["finance", "q1", "finance", "q2", "q1", "financf", "finance"]"#;
        let doc = format!("{text:<20000}");
        let doc = doc.as_bytes();
        let mut m = memo();
        let got: Vec<Lookup> = strings(doc)
            .into_iter()
            .map(|(i, n)| m.lookup(doc, i, n, 7))
            .collect();
        let Lookup::Store(finance) = got[0] else {
            panic!("first use stores: {got:?}")
        };
        let Lookup::Store(q1) = got[1] else {
            panic!("first use stores: {got:?}")
        };
        assert_eq!(got[2], Lookup::Hit(finance), "{got:?}");
        assert!(matches!(got[3], Lookup::Store(_)));
        assert_eq!(got[4], Lookup::Hit(q1));
        // Same length, one byte different: never the other string's slot as a hit.
        assert_ne!(got[5], Lookup::Hit(finance));
        assert_eq!(got[6], Lookup::Hit(finance), "{got:?}");
    }

    #[test]
    fn empty_and_long_strings_are_skipped() {
        let long = format!("[\"\", \"{}\", \"{}\"]", "x".repeat(33), "y".repeat(32));
        let doc = long.as_bytes();
        let mut m = memo();
        let got: Vec<Lookup> = strings(doc)
            .into_iter()
            .map(|(i, n)| m.lookup(doc, i, n, 7))
            .collect();
        assert_eq!(got[0], Lookup::Skip);
        assert_eq!(got[1], Lookup::Skip);
        assert!(matches!(got[2], Lookup::Store(_)), "{got:?}");
    }

    #[test]
    fn a_hot_slot_gets_a_second_chance_and_never_a_false_hit() {
        // Thousands of distinct strings sharing few slots with a repeated one: every answer
        // must agree with a byte comparison of what the slot held.
        let mut doc = String::from("[");
        for k in 0..3000 {
            doc.push_str(&format!("\"v{k}\", \"stage\", "));
        }
        doc.push_str("\"end\"]");
        let doc = doc.as_bytes();
        let mut m = memo();
        let mut held: Vec<Option<(usize, usize)>> = vec![None; 1 << MAX_SLOT_BITS];
        let mut stage_hits = 0;
        for (i, n) in strings(doc) {
            m.debts.fill(0); // this test is about slots, not contexts
            match m.lookup(doc, i, n, 0) {
                Lookup::Hit(slot) => {
                    let (at, len) = held[slot as usize].expect("a hit on a stored slot");
                    assert_eq!(&doc[at..at + len], &doc[i..i + n]);
                    stage_hits += usize::from(&doc[i..i + n] == b"stage");
                }
                Lookup::Store(slot) => held[slot as usize] = Some((i, n)),
                Lookup::Skip => {}
            }
        }
        assert_eq!(m.slots.len(), 1 << MAX_SLOT_BITS);
        // "stage" repeats every other string; the unique ones between never evict it for good.
        assert!(stage_hits > 2990, "{stage_hits}");
    }

    #[test]
    fn a_context_of_unique_strings_stops_being_looked_up() {
        // Context 1 never repeats, context 2 always does: only context 1 switches off.
        let doc: String = (0..1000)
            .map(|k| format!("\"u{k:04}\", \"same\", "))
            .collect();
        let doc = doc.as_bytes();
        let mut m = memo();
        let mut looked_at = 0;
        let mut hits = 0;
        for (k, (i, n)) in strings(doc).into_iter().enumerate() {
            match m.lookup(doc, i, n, 1 + (k % 2) as u32) {
                Lookup::Skip => {}
                Lookup::Hit(_) => hits += 1,
                Lookup::Store(_) => looked_at += usize::from(k % 2 == 0),
            }
        }
        assert!(looked_at <= usize::from(MAX_DEBT), "{looked_at}");
        // Every use of the repeated string after the first, but for a unique one that may
        // land on its slot before it is first found again (not yet hot).
        assert!(hits >= 998, "{hits}");
    }

    #[test]
    fn the_table_is_sized_by_the_document() {
        for (len, slots) in [(20, 16), (64 * 16, 16), (64 * 64, 64), (1 << 20, 256)] {
            let mut doc = vec![b' '; len];
            doc[..6].copy_from_slice(b"\"abc\" ");
            let mut m = memo();
            let Lookup::Store(slot) = m.lookup(&doc, 1, 3, 0) else {
                panic!("first use stores")
            };
            assert_eq!(m.slots.len(), slots, "document of {len} bytes");
            assert_eq!(m.lookup(&doc, 1, 3, 0), Lookup::Hit(slot));
        }
    }
}
