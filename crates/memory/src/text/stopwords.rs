//! The English stop list, read from `python/crewai_rust/memory/english_stop_words.txt`: one file
//! for both implementations (this crate includes it at build time, the Python reference reads
//! it at import), so the lists cannot drift apart.

use std::sync::LazyLock;

/// The list file's text: one case-folded word a line, `#` comment lines, blank lines ignored.
const SOURCE: &str = include_str!("../../../../python/crewai_rust/memory/english_stop_words.txt");

static WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| parse(SOURCE));

/// The words of a stop-list file, sorted and deduplicated (membership is a binary search).
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

/// The English stop words, sorted.
pub fn english_stop_words() -> &'static [&'static str] {
    &WORDS
}

/// Whether a case-folded token is an English stop word.
pub fn is_english_stop_word(token: &str) -> bool {
    WORDS.binary_search(&token).is_ok()
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
    }
}
