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
    2.0 * matching_characters(a, b) as f64 / total as f64
}

/// The sum of the sizes of `get_matching_blocks()`.
pub fn matching_characters<T: Eq + Hash + Copy>(a: &[T], b: &[T]) -> usize {
    let b2j = index_b(b);
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
            &b2j,
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
fn longest_match<T: Eq + Hash + Copy>(
    a: &[T],
    b: &[T],
    b2j: &HashMap<T, Vec<usize>>,
    (alo, ahi, blo, bhi): (usize, usize, usize, usize),
    (j2len, newj2len): (&mut Vec<usize>, &mut Vec<usize>),
    (touched, new_touched): (&mut Vec<usize>, &mut Vec<usize>),
) -> (usize, usize, usize) {
    let (mut besti, mut bestj, mut bestsize) = (alo, blo, 0usize);
    for slot in touched.drain(..) {
        j2len[slot] = 0;
    }
    for (i, elt) in a.iter().enumerate().take(ahi).skip(alo) {
        if let Some(js) = b2j.get(elt) {
            for &j in js {
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
    fn autojunk_drops_popular_elements() {
        let b: Vec<u8> = std::iter::repeat_n(b'a', 300).collect();
        let a = b"aaa";
        // Every 'a' of b is popular, so nothing is indexed; the only match is the empty one,
        // which CPython then extends over (popular is not junk) to all of "aaa":
        // SequenceMatcher(None, "aaa", "a" * 300).ratio() == 6 / 303 in CPython 3.11.
        assert_eq!(ratio(a, &b), 6.0 / 303.0);
    }
}
