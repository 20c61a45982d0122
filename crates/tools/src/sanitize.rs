//! `crewai.utilities.string_utils.sanitize_tool_name`, reproduced step by step: NFKD to ASCII,
//! camelCase splitting, lowercasing, quote removal, `_` for everything else, and an 8-hex
//! SHA-256 suffix when the result is longer than the limit.

use sha2::{Digest, Sha256};

use crate::pychars::nfkd_ascii;

/// The length OpenAI and Bedrock accept, crewai's default.
pub const MAX_TOOL_NAME_LENGTH: usize = 64;

/// `sanitize_tool_name(name, max_length)`; the result is ASCII `[a-z0-9_]*`.
pub fn sanitize_tool_name(name: &str, max_length: usize) -> String {
    // NFKD then `encode("ascii", "ignore")`: ASCII characters are their own decomposition and
    // act as barriers for canonical reordering, so decomposing each character alone keeps the
    // same ASCII sequence.
    let mut ascii: Vec<u8> = Vec::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii() {
            ascii.push(c as u8);
        } else {
            ascii.extend_from_slice(nfkd_ascii(c).as_bytes());
        }
    }
    let split = split_camel(&ascii);
    let mut out: Vec<u8> = Vec::with_capacity(split.len());
    let mut pending_sep = false;
    for &b in &split {
        let b = b.to_ascii_lowercase();
        if b == b'\'' || b == b'"' {
            continue; // removed before the disallowed-character pass, so it never separates
        }
        if b.is_ascii_alphanumeric() {
            if pending_sep && !out.is_empty() {
                out.push(b'_');
            }
            pending_sep = false;
            out.push(b);
        } else {
            // `[^a-zA-Z0-9]+` -> "_", then "_+" -> "_": any run becomes one underscore.
            pending_sep = true;
        }
    }
    // strip("_"): a run before the first alphanumeric was never emitted, nor one at the end.
    let mut name = out;
    if name.len() > max_length {
        let digest = Sha256::digest(&name);
        let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        let suffix = format!("_{hex}");
        let keep = max_length.saturating_sub(suffix.len());
        let mut head = name[..keep.min(name.len())].to_vec();
        while head.last() == Some(&b'_') {
            head.pop();
        }
        head.extend_from_slice(suffix.as_bytes());
        name = head;
    }
    // Only ASCII bytes were pushed.
    String::from_utf8(name).unwrap_or_default()
}

/// `([A-Z]+)([A-Z][a-z])` -> `\1_\2`, then `([a-z])([A-Z])` -> `\1_\2`.
fn split_camel(s: &[u8]) -> Vec<u8> {
    let mut first = Vec::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < s.len() {
        if s[i].is_ascii_uppercase() {
            let start = i;
            while i < s.len() && s[i].is_ascii_uppercase() {
                i += 1;
            }
            let run = &s[start..i];
            if run.len() >= 2 && i < s.len() && s[i].is_ascii_lowercase() {
                first.extend_from_slice(&run[..run.len() - 1]);
                first.push(b'_');
                first.push(run[run.len() - 1]);
            } else {
                first.extend_from_slice(run);
            }
        } else {
            first.push(s[i]);
            i += 1;
        }
    }
    let mut second = Vec::with_capacity(first.len() + 8);
    for (k, &b) in first.iter().enumerate() {
        second.push(b);
        if b.is_ascii_lowercase() && first.get(k + 1).is_some_and(|n| n.is_ascii_uppercase()) {
            second.push(b'_');
        }
    }
    second
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str) -> String {
        sanitize_tool_name(name, MAX_TOOL_NAME_LENGTH)
    }

    #[test]
    fn camel_case_and_symbols() {
        assert_eq!(s("SearchTheInternet"), "search_the_internet");
        assert_eq!(s("HTTPServer"), "http_server");
        assert_eq!(s("  Web-Search  Tool!! "), "web_search_tool");
        assert_eq!(s("don't \"quote\""), "dont_quote");
        assert_eq!(s("Café Ünïcode"), "cafe_unicode");
        assert_eq!(s("___"), "");
    }

    #[test]
    fn long_names_get_a_hash_suffix() {
        let long = "a".repeat(100);
        let out = s(&long);
        assert_eq!(out.len(), 64);
        assert!(out.starts_with(&"a".repeat(55)));
        assert_eq!(&out[55..56], "_");
    }
}
