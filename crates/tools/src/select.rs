//! `ToolUsage._select_tool`'s choice: the tool whose sanitized name equals the sanitized
//! request or is more than 85% similar to it, the most similar first, earliest on ties.

use crate::difflib::ratio;
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
        // crewai's argument order: SequenceMatcher(None, tool, request).
        let score = ratio(candidate.as_bytes(), wanted.as_bytes());
        if (candidate == wanted || score > SIMILARITY_THRESHOLD)
            && best.is_none_or(|(_, s)| score > s)
        {
            best = Some((index, score));
        }
    }
    best.map(|(index, _)| index)
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
