//! Text analysis for the full-text index: word segmentation, case folding, stop words, stemming.
//!
//! The pipeline is defined so the pure-Python reference (`crewai_rust.memory.text`) can run it
//! identically on any Python version:
//! 1. Segmentation: a token is a maximal run of word characters (Unicode letters, marks and
//!    numbers), except that ideographs and kana are each a token by themselves (as UAX #29 does).
//!    Everything else (spaces, punctuation, symbols, `_`, quotes, `*`, `:`) separates tokens.
//!    The character classes come from `tables.rs`, generated from one Unicode version for both
//!    languages, not from the runtime's own Unicode database.
//! 2. Case folding: full Unicode case folding (`ß` -> `ss`), from the same tables.
//! 3. English (the default): folded tokens in the stop list are dropped, and ASCII tokens are
//!    stemmed with Snowball English (Porter2); other tokens are kept as folded.
//!    `Language::None` keeps every folded token unchanged (for other languages).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use rust_stemmers::{Algorithm, Stemmer};

use super::stopwords::is_english_stop_word;
use super::tables::{FOLD, SOLO, WORD};

/// Language-specific analysis applied after segmentation and case folding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// English stop words removed, Snowball English stemming of ASCII tokens (the default).
    #[default]
    English,
    /// No stop words, no stemming: segmentation and case folding only.
    None,
}

impl Language {
    /// Parses a language name (`"english"`/`"en"`, `"none"`), case-insensitively.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "english" | "en" => Some(Self::English),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// The canonical name (`"english"` or `"none"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::English => "english",
            Self::None => "none",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Other,
    Word,
    Solo,
}

fn in_ranges(ranges: &[(u32, u32)], cp: u32) -> bool {
    // Ranges are sorted and disjoint: the candidate is the last range starting at or before cp.
    let idx = ranges.partition_point(|&(lo, _)| lo <= cp);
    idx > 0 && cp <= ranges[idx - 1].1
}

fn classify(c: char) -> Class {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            Class::Word
        } else {
            Class::Other
        };
    }
    let cp = c as u32;
    if in_ranges(WORD, cp) {
        Class::Word
    } else if in_ranges(SOLO, cp) {
        Class::Solo
    } else {
        Class::Other
    }
}

/// Calls `f` with each raw token (an unfolded slice of `text`) in order.
pub fn segment<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match classify(c) {
            Class::Word => {
                start.get_or_insert(i);
            }
            class => {
                if let Some(s) = start.take() {
                    f(&text[s..i]);
                }
                if class == Class::Solo {
                    f(&text[i..i + c.len_utf8()]);
                }
            }
        }
    }
    if let Some(s) = start {
        f(&text[s..]);
    }
}

/// Full Unicode case folding of a token, using the shared tables.
pub fn fold(token: &str) -> Cow<'_, str> {
    if token
        .bytes()
        .all(|b| !b.is_ascii_uppercase() && b.is_ascii())
    {
        return Cow::Borrowed(token);
    }
    let mut out = String::with_capacity(token.len());
    for c in token.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            match FOLD.binary_search_by_key(&(c as u32), |&(cp, _)| cp) {
                Ok(i) => out.push_str(FOLD[i].1),
                Err(_) => out.push(c),
            }
        }
    }
    Cow::Owned(out)
}

/// Memo of Snowball stems (folded word -> stem) for indexing: natural text repeats a small
/// vocabulary and stemming is the costly step. Bounded, so odd input cannot grow it unchecked.
#[derive(Debug, Default)]
pub struct StemCache {
    map: HashMap<String, String>,
}

const STEM_CACHE_MAX: usize = 1 << 16;

/// Turns text into index terms; one per index, configured by its `Language`.
pub struct Tokenizer {
    language: Language,
    stemmer: Option<Stemmer>,
}

impl fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokenizer")
            .field("language", &self.language)
            .finish()
    }
}

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new(Language::default())
    }
}

impl Tokenizer {
    /// A tokenizer for `language`.
    pub fn new(language: Language) -> Self {
        let stemmer = match language {
            Language::English => Some(Stemmer::create(Algorithm::English)),
            Language::None => None,
        };
        Self { language, stemmer }
    }

    /// The configured language.
    pub fn language(&self) -> Language {
        self.language
    }

    /// Calls `f` with each term of `text` in order (duplicates included).
    pub fn for_each_term(&self, text: &str, mut f: impl FnMut(&str)) {
        segment(text, |raw| {
            let folded = fold(raw);
            match &self.stemmer {
                None => f(&folded),
                Some(stemmer) => {
                    if is_english_stop_word(&folded) {
                        return;
                    }
                    // Snowball English is defined on English letters; stemming other scripts
                    // would only mangle them, and ASCII-only keeps both implementations equal.
                    if folded.is_ascii() {
                        f(&stemmer.stem(&folded));
                    } else {
                        f(&folded);
                    }
                }
            }
        });
    }

    /// `for_each_term`, remembering stems in `cache` (same terms, faster on natural text).
    pub fn for_each_term_memo(&self, text: &str, cache: &mut StemCache, mut f: impl FnMut(&str)) {
        let Some(stemmer) = &self.stemmer else {
            return self.for_each_term(text, f);
        };
        // ASCII tokens (nearly all of English) are lowered into one reused buffer rather than
        // a new string per capitalised word.
        let mut lower = String::new();
        segment(text, |raw| {
            let other;
            let folded: &str = if raw.is_ascii() {
                lower.clear();
                lower.extend(raw.chars().map(|c| c.to_ascii_lowercase()));
                &lower
            } else {
                other = fold(raw);
                &other
            };
            if is_english_stop_word(folded) {
                return;
            }
            // Folding can make a token ASCII (`K` Kelvin sign -> `k`): stemmed like any other.
            if !folded.is_ascii() {
                return f(folded);
            }
            if let Some(stem) = cache.map.get(folded) {
                return f(stem);
            }
            let stem = stemmer.stem(folded).into_owned();
            f(&stem);
            if cache.map.len() < STEM_CACHE_MAX {
                cache.map.insert(folded.to_owned(), stem);
            }
        });
    }

    /// The terms of `text` in order (duplicates included).
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_term(text, |t| out.push(t.to_owned()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        segment(text, |t| out.push(t));
        out
    }

    #[test]
    fn segments_on_punctuation_and_symbols() {
        assert_eq!(
            raw("Hello, world! \"quoted\" a-b c:d *e* x_y"),
            [
                "Hello", "world", "quoted", "a", "b", "c", "d", "e", "x", "y"
            ]
        );
        assert_eq!(raw("3.14 1,000"), ["3", "14", "1", "000"]);
        assert!(raw("").is_empty());
        assert!(raw("  ,.;:!?*\"'-  ").is_empty());
    }

    #[test]
    fn keeps_marks_inside_words_and_splits_ideographs() {
        // e + combining acute stays one token; each ideograph and kana is its own token.
        assert_eq!(raw("cafe\u{301} naïve"), ["cafe\u{301}", "naïve"]);
        assert_eq!(raw("東京タワー"), ["東", "京", "タ", "ワ", "ー"]);
        assert_eq!(raw("Москва Αθήνα"), ["Москва", "Αθήνα"]);
    }

    #[test]
    fn folds_case_fully() {
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("ΑΘΉΝΑ"), "αθήνα");
        assert_eq!(fold("already lower"), "already lower");
        assert!(matches!(fold("lower"), Cow::Borrowed(_)));
    }

    #[test]
    fn english_drops_stop_words_and_stems() {
        let t = Tokenizer::new(Language::English);
        assert_eq!(
            t.terms("When did Caroline go to the LGBTQ support groups?"),
            ["carolin", "go", "lgbtq", "support", "group"]
        );
        // Non-ASCII tokens are folded but not stemmed.
        assert_eq!(t.terms("Cafés running"), ["cafés", "run"]);
    }

    #[test]
    fn none_keeps_every_folded_token() {
        let t = Tokenizer::new(Language::None);
        assert_eq!(t.terms("The Running DOGS"), ["the", "running", "dogs"]);
    }

    #[test]
    fn parses_language_names() {
        assert_eq!(Language::parse(" English "), Some(Language::English));
        assert_eq!(Language::parse("en"), Some(Language::English));
        assert_eq!(Language::parse("NONE"), Some(Language::None));
        assert_eq!(Language::parse("klingon"), None);
    }

    #[test]
    fn hostile_input_never_panics() {
        let t = Tokenizer::default();
        let mut cache = StemCache::default();
        let mut memo = Vec::new();
        let text = "Running runners ran; the RUNNING Straße cafés running";
        t.for_each_term_memo(text, &mut cache, |w| memo.push(w.to_owned()));
        assert_eq!(memo, t.terms(text));
        let big = "\"*:-".repeat(250_000);
        assert!(t.terms(&big).is_empty());
        let long_word = "a".repeat(1 << 20);
        assert_eq!(t.terms(&long_word).len(), 1);
        assert!(t.terms("\u{0}\u{FFFF}\u{10FFFF}").is_empty());
    }
}
