//! `ToolUsage._select_tool`'s choice: the tool whose sanitized name equals the sanitized
//! request or is more than 85% similar to it, the most similar first, earliest on ties.

use crate::difflib::ratio_bytes;
use crate::sanitize::{MAX_TOOL_NAME_LENGTH, sanitize_tool_name};

/// crewai's threshold: a ratio strictly above it selects the tool.
pub const SIMILARITY_THRESHOLD: f64 = 0.85;

/// The index of the tool crewai would pick for `name`, or `None` (crewai then raises).
///
/// crewai sorts the tools by ratio, descending and stable, and takes the first that is equal or
/// above the threshold. An equal name always has ratio 1.0, so that is the first maximum among
/// the qualifying tools.
pub fn select_tool<S: AsRef<str>>(name: &str, tool_names: &[S]) -> Option<usize> {
    let wanted = sanitize_tool_name(name, MAX_TOOL_NAME_LENGTH);
    let mut best: Option<(usize, f64)> = None;
    for (index, tool) in tool_names.iter().enumerate() {
        let candidate = sanitize_tool_name(tool.as_ref(), MAX_TOOL_NAME_LENGTH);
        let equal = candidate == wanted;
        // difflib's quick_ratio bounds the ratio from above (matches never exceed the shared
        // characters), so a tool whose bound is not above the threshold cannot be chosen.
        if !equal && quick_ratio(candidate.as_bytes(), wanted.as_bytes()) <= SIMILARITY_THRESHOLD {
            continue;
        }
        // crewai's argument order: SequenceMatcher(None, tool, request).
        let score = ratio_bytes(candidate.as_bytes(), wanted.as_bytes());
        if (equal || score > SIMILARITY_THRESHOLD) && best.is_none_or(|(_, s)| score > s) {
            best = Some((index, score));
        }
    }
    best.map(|(index, _)| index)
}

/// `SequenceMatcher.quick_ratio`: twice the multiset intersection over the total length, with
/// the same float arithmetic as `ratio`, so `ratio(a, b) <= quick_ratio(a, b)` holds exactly.
fn quick_ratio(a: &[u8], b: &[u8]) -> f64 {
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    let mut counts = [0u32; 256];
    for &x in b {
        counts[x as usize] += 1;
    }
    let mut shared = 0usize;
    for &x in a {
        let c = &mut counts[x as usize];
        if *c > 0 {
            *c -= 1;
            shared += 1;
        }
    }
    2.0 * shared as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_fuzzy_and_missing() {
        let tools = ["Search the internet", "Read a file", "Calculator"];
        assert_eq!(select_tool("search_the_internet", &tools), Some(0));
        assert_eq!(select_tool("Read a fil", &tools), Some(1));
        assert_eq!(select_tool("weather", &tools), None);
    }

    #[test]
    fn ties_go_to_the_earliest() {
        let tools = ["calc", "Calc", "CALC"];
        assert_eq!(select_tool("calc", &tools), Some(0));
    }
}
