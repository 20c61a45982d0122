//! `difflib.SequenceMatcher(None, a, b).ratio()` from CPython 3.11, including the autojunk
//! heuristic (elements of `b` more frequent than 1% + 1 are dropped from the index when `b` has
//! at least 200 elements). The matching-block search uses an explicit queue, like CPython.

use std::collections::HashMap;
use std::hash::Hash;

/// Ratcliff/Obershelp similarity `2 * matches / (len(a) + len(b))`, 1.0 for two empty inputs.
pub fn ratio<T: Eq + Hash + Copy>(a: &[T], b: &[T]) -> f64 {
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    2.0 * matching_characters(a, b, &index_b(b)) as f64 / total as f64
}

/// `ratio` for byte strings (sanitized tool names are ASCII), with a flat index instead of a
/// hash map: the same positions in the same order, so the same matches.
pub fn ratio_bytes(a: &[u8], b: &[u8]) -> f64 {
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    let matches = if a.len() <= SHORT && b.len() <= SHORT {
        short_matching(a, b)
    } else {
        matching_characters(a, b, &ByteIndex::new(b))
    };
    2.0 * matches as f64 / total as f64
}

/// Longest inputs the allocation-free path takes (sanitized tool names are at most 64 bytes;
/// below 200 elements autojunk never applies).
const SHORT: usize = 128;

/// `matching_characters` for short byte strings, all on the stack: the same search (rows of
/// `a`, positions of `b` in increasing order, first longest match kept), so the same blocks.
fn short_matching(a: &[u8], b: &[u8]) -> usize {
    let mut starts = [0u8; 257];
    for &x in b {
        starts[x as usize + 1] += 1;
    }
    for i in 0..256 {
        starts[i + 1] += starts[i];
    }
    let mut positions = [0u8; SHORT];
    let mut fill = starts;
    for (j, &x) in b.iter().enumerate() {
        positions[fill[x as usize] as usize] = j as u8;
        fill[x as usize] += 1;
    }
    let mut queue = [(0u8, 0u8, 0u8, 0u8); SHORT + 1];
    queue[0] = (0, a.len() as u8, 0, b.len() as u8);
    let mut queued = 1;
    let mut matched = 0;
    let mut j2len = [0u8; SHORT + 1];
    let mut newj2len = [0u8; SHORT + 1];
    while queued > 0 {
        queued -= 1;
        let (alo, ahi, blo, bhi) = queue[queued];
        let (alo, ahi, blo, bhi) = (alo as usize, ahi as usize, blo as usize, bhi as usize);
        let (mut besti, mut bestj, mut bestsize) = (alo, blo, 0usize);
        j2len[blo..=bhi].fill(0);
        for (i, &ai) in a.iter().enumerate().take(ahi).skip(alo) {
            newj2len[blo..=bhi].fill(0);
            let x = ai as usize;
            for &j in &positions[starts[x] as usize..starts[x + 1] as usize] {
                let j = j as usize;
                if j < blo {
                    continue;
                }
                if j >= bhi {
                    break;
                }
                let k = j2len[j] as usize + 1;
                newj2len[j + 1] = k as u8;
                if k > bestsize {
                    besti = i + 1 - k;
                    bestj = j + 1 - k;
                    bestsize = k;
                }
            }
            std::mem::swap(&mut j2len, &mut newj2len);
        }
        while besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1] {
            besti -= 1;
            bestj -= 1;
            bestsize += 1;
        }
        while besti + bestsize < ahi
            && bestj + bestsize < bhi
            && a[besti + bestsize] == b[bestj + bestsize]
        {
            bestsize += 1;
        }
        if bestsize > 0 {
            matched += bestsize;
            if alo < besti && blo < bestj {
                queue[queued] = (alo as u8, besti as u8, blo as u8, bestj as u8);
                queued += 1;
            }
            if besti + bestsize < ahi && bestj + bestsize < bhi {
                queue[queued] = (
                    (besti + bestsize) as u8,
                    ahi as u8,
                    (bestj + bestsize) as u8,
                    bhi as u8,
                );
                queued += 1;
            }
        }
    }
    matched
}

/// `b2j`: for an element of `b`, its positions in increasing order (after autojunk).
pub trait PositionIndex<T> {
    fn positions(&self, elt: &T) -> &[usize];
}

impl<T: Eq + Hash> PositionIndex<T> for HashMap<T, Vec<usize>> {
    fn positions(&self, elt: &T) -> &[usize] {
        self.get(elt).map_or(&[], Vec::as_slice)
    }
}

/// A counting-sort `b2j` for bytes.
#[derive(Debug)]
pub struct ByteIndex {
    starts: [u32; 257],
    positions: Vec<usize>,
}

impl ByteIndex {
    pub fn new(b: &[u8]) -> Self {
        let mut counts = [0u32; 256];
        for &x in b {
            counts[x as usize] += 1;
        }
        if b.len() >= 200 {
            let ntest = (b.len() / 100 + 1) as u32;
            for c in counts.iter_mut() {
                if *c > ntest {
                    *c = 0; // popular: dropped from the index
                }
            }
        }
        let mut starts = [0u32; 257];
        for i in 0..256 {
            starts[i + 1] = starts[i] + counts[i];
        }
        let mut fill = starts;
        let mut positions = vec![0usize; starts[256] as usize];
        for (j, &x) in b.iter().enumerate() {
            let x = x as usize;
            if fill[x] < starts[x + 1] {
                positions[fill[x] as usize] = j;
                fill[x] += 1;
            }
        }
        Self { starts, positions }
    }
}

impl PositionIndex<u8> for ByteIndex {
    fn positions(&self, elt: &u8) -> &[usize] {
        let x = *elt as usize;
        &self.positions[self.starts[x] as usize..self.starts[x + 1] as usize]
    }
}

/// The sum of the sizes of `get_matching_blocks()`.
pub fn matching_characters<T: Eq + Copy>(a: &[T], b: &[T], b2j: &impl PositionIndex<T>) -> usize {
    let mut j2len = vec![0usize; b.len() + 1];
    let mut newj2len = vec![0usize; b.len() + 1];
    let mut touched: Vec<usize> = Vec::new();
    let mut new_touched: Vec<usize> = Vec::new();
    let mut queue = vec![(0usize, a.len(), 0usize, b.len())];
    let mut matched = 0;
    while let Some((alo, ahi, blo, bhi)) = queue.pop() {
        let (i, j, k) = longest_match(
            a,
            b,
            b2j,
            (alo, ahi, blo, bhi),
            (&mut j2len, &mut newj2len),
            (&mut touched, &mut new_touched),
        );
        if k > 0 {
            matched += k;
            if alo < i && blo < j {
                queue.push((alo, i, blo, j));
            }
            if i + k < ahi && j + k < bhi {
                queue.push((i + k, ahi, j + k, bhi));
            }
        }
    }
    matched
}

fn index_b<T: Eq + Hash + Copy>(b: &[T]) -> HashMap<T, Vec<usize>> {
    let mut b2j: HashMap<T, Vec<usize>> = HashMap::new();
    for (j, &elt) in b.iter().enumerate() {
        b2j.entry(elt).or_default().push(j);
    }
    if b.len() >= 200 {
        let ntest = b.len() / 100 + 1;
        b2j.retain(|_, idxs| idxs.len() <= ntest);
    }
    b2j
}

/// `find_longest_match`; `j2len` is kept as arrays indexed by `j + 1` (so `j - 1` is `j`),
/// cleared through the lists of touched slots instead of reallocating dictionaries.
fn longest_match<T: Eq + Copy>(
    a: &[T],
    b: &[T],
    b2j: &impl PositionIndex<T>,
    (alo, ahi, blo, bhi): (usize, usize, usize, usize),
    (j2len, newj2len): (&mut Vec<usize>, &mut Vec<usize>),
    (touched, new_touched): (&mut Vec<usize>, &mut Vec<usize>),
) -> (usize, usize, usize) {
    let (mut besti, mut bestj, mut bestsize) = (alo, blo, 0usize);
    for slot in touched.drain(..) {
        j2len[slot] = 0;
    }
    for (i, elt) in a.iter().enumerate().take(ahi).skip(alo) {
        for &j in b2j.positions(elt) {
            if j < blo {
                continue;
            }
            if j >= bhi {
                break;
            }
            let k = j2len[j] + 1; // j2len[j] holds the length ending at j - 1
            newj2len[j + 1] = k;
            new_touched.push(j + 1);
            if k > bestsize {
                besti = i + 1 - k;
                bestj = j + 1 - k;
                bestsize = k;
            }
        }
        for slot in touched.drain(..) {
            j2len[slot] = 0;
        }
        std::mem::swap(j2len, newj2len);
        std::mem::swap(touched, new_touched);
    }
    for slot in touched.drain(..) {
        j2len[slot] = 0;
    }
    // No junk function, so `bjunk` is empty: only the "not junk" extensions can fire, and they
    // do extend over popular elements (popular is not junk), as in CPython.
    while besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1] {
        besti -= 1;
        bestj -= 1;
        bestsize += 1;
    }
    while besti + bestsize < ahi
        && bestj + bestsize < bhi
        && a[besti + bestsize] == b[bestj + bestsize]
    {
        bestsize += 1;
    }
    (besti, bestj, bestsize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(a: &str, b: &str) -> f64 {
        ratio(a.as_bytes(), b.as_bytes())
    }

    #[test]
    fn known_ratios() {
        assert_eq!(r("", ""), 1.0);
        assert_eq!(r("abc", ""), 0.0);
        assert_eq!(r("abcd", "bcde"), 0.75);
        // CPython's docstring example: SequenceMatcher(lambda x: x == " ", ...) aside, plain:
        assert_eq!(r("qabxcd", "abycdf"), 2.0 * 4.0 / 12.0);
    }

    #[test]
    fn byte_index_agrees_with_the_hash_index() {
        let long: Vec<u8> = (0..450u32)
            .map(|i| b"abcab_xy"[(i * 7 % 8) as usize])
            .collect();
        let pairs: [(&[u8], &[u8]); 4] = [
            (b"qabxcd", b"abycdf"),
            (b"search_the_internet", b"search_internet"),
            (b"", b"x"),
            (b"ab_x", &long),
        ];
        for (a, b) in pairs {
            assert_eq!(ratio_bytes(a, b), ratio(a, b));
        }
        // Every short pair over a small alphabet: the stack path equals the general one.
        let words: Vec<Vec<u8>> = (0..400u32)
            .map(|n| {
                (0..(n % 9))
                    .map(|k| b"ab_"[((n / 3 + k * k + n * k) % 3) as usize])
                    .collect()
            })
            .collect();
        for a in &words[..60] {
            for b in &words {
                assert_eq!(ratio_bytes(a, b), ratio(a, b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn autojunk_drops_popular_elements() {
        let b: Vec<u8> = std::iter::repeat_n(b'a', 300).collect();
        let a = b"aaa";
        // Every 'a' of b is popular, so nothing is indexed; the only match is the empty one,
        // which CPython then extends over (popular is not junk) to all of "aaa":
        // SequenceMatcher(None, "aaa", "a" * 300).ratio() == 6 / 303 in CPython 3.11.
        assert_eq!(ratio(a, &b), 6.0 / 303.0);
        assert_eq!(ratio_bytes(a, &b), 6.0 / 303.0);
    }
}
