//! The English stop list, read from `python/crewai_rust/memory/english_stop_words.txt`: one file
//! for both implementations (this crate includes it at build time, the Python reference reads
//! it at import), so the lists cannot drift apart.

use std::sync::LazyLock;

/// The list file's text: one case-folded word a line, `#` comment lines, blank lines ignored.
const SOURCE: &str = include_str!("../../../../python/crewai_rust/memory/english_stop_words.txt");

static WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| parse(SOURCE));

/// The words of up to 15 ASCII bytes as integers (see [`pack`]), sorted: membership, asked for
/// every token indexed, is then a binary search over integers rather than over strings.
static PACKED: LazyLock<Vec<u128>> = LazyLock::new(|| {
    let mut keys: Vec<u128> = WORDS.iter().filter_map(|w| pack(w)).collect();
    keys.sort_unstable();
    keys
});

/// Words the integer form cannot hold (longer, or not ASCII), sorted.
static OTHER: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    WORDS
        .iter()
        .copied()
        .filter(|w| pack(w).is_none())
        .collect()
});

/// The words of a stop-list file, sorted and deduplicated.
fn parse(source: &str) -> Vec<&str> {
    let mut words: Vec<&str> = source
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// An ASCII word of at most 15 bytes as one integer: its bytes from the top, its length in the
/// lowest byte (so no two words share a key).
fn pack(word: &str) -> Option<u128> {
    let bytes = word.as_bytes();
    if bytes.len() > 15 || !word.is_ascii() {
        return None;
    }
    let mut key = 0u128;
    for (i, &b) in bytes.iter().enumerate() {
        key |= u128::from(b) << (120 - 8 * i);
    }
    Some(key | bytes.len() as u128)
}

/// The English stop words, sorted.
pub fn english_stop_words() -> &'static [&'static str] {
    &WORDS
}

/// Whether a case-folded token is an English stop word.
pub fn is_english_stop_word(token: &str) -> bool {
    match pack(token) {
        Some(key) => PACKED.binary_search(&key).is_ok(),
        None => OTHER.binary_search(&token).is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_format_is_parsed() {
        assert_eq!(parse("# note\n\nb\n a \nb\n"), ["a", "b"]);
        assert!(english_stop_words().windows(2).all(|w| w[0] < w[1]));
        assert!(english_stop_words().len() > 100);
        // Every entry is already a token: folded, no separators, so the tokenizer can meet it.
        assert!(
            english_stop_words()
                .iter()
                .all(|w| w.chars().all(char::is_lowercase))
        );
    }

    #[test]
    fn membership() {
        assert!(is_english_stop_word("the"));
        assert!(is_english_stop_word("yourselves"));
        assert!(is_english_stop_word("ll"));
        assert!(!is_english_stop_word("caroline"));
        assert!(!is_english_stop_word("The"));
        assert!(!is_english_stop_word("# The English stop list"));
        assert!(!is_english_stop_word("") && !is_english_stop_word("a\0"));
        // Every listed word is found, whichever form holds it.
        assert!(english_stop_words().iter().all(|w| is_english_stop_word(w)));
    }

    #[test]
    fn packed_keys_are_distinct_per_word() {
        assert_ne!(pack("a"), pack("a\0"));
        assert_ne!(pack("ab"), pack("ba"));
        assert_eq!(pack("sixteen_bytes_xx"), None);
        assert_eq!(pack("ünï"), None);
        assert!(pack("fifteen_bytes_x").is_some());
    }
}
