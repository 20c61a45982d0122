//! `crewai.agents.parser.parse`: a ReAct answer becomes a final answer, an action, or one of
//! three format errors, with crewai's exact rules (the last `Final Answer:` wins over any action,
//! an unbalanced closing code fence is dropped, bold tool names are unwrapped, triple quotes in
//! the input become single quotes, valid JSON input is normalised as json_repair does).
//!
//! crewai matches `Action\s*\d*\s*:\s*(.*?)\s*Action\s*\d*\s*Input\s*\d*\s*:\s*(.*)` (DOTALL).
//! That regex backtracks quadratically on text with many `Action:` and no `Action Input:`; the
//! scan here finds the same groups in one pass: the match starts at the first `Action...:`, and
//! the tool runs to the first `Action...Input...:` after it (a later start could only see fewer
//! of those, so if the first start has none, no start has).

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use crate::Decision;
use crate::pychars::{is_decimal, is_space, lstrip, rstrip, strip};
use crate::repair::repair_json;

const FINAL_ANSWER: &str = "Final Answer:";

/// Which of crewai's `OutputParserError` messages applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatProblem {
    /// No `Action:` at all: MISSING_ACTION_AFTER_THOUGHT_ERROR_MESSAGE + final_answer_format.
    MissingAction,
    /// `Action:` but no `Action Input:`: MISSING_ACTION_INPUT_AFTER_ACTION_ERROR_MESSAGE.
    MissingActionInput,
    /// Both present but in the wrong order: the `format_without_tools` slice.
    FormatWithoutTools,
}

/// An action's tool input: final, or waiting for json_repair (which Python runs).
///
/// The texts here and in [`AgentOutput`] borrow from the parsed text where crewai's answer is
/// a slice of it (the thought, the tool name, an input kept as written): a small parse made
/// three or four allocations, a fifth of its cost, only for the binding to copy them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionInput<'a> {
    Final(Cow<'a, str>),
    /// `_safe_repair_json` must still call `repair_json` on this (already unquoted) text.
    NeedsRepair(Cow<'a, str>),
}

/// The result of `parse(text)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentOutput<'a> {
    Finish {
        thought: Cow<'a, str>,
        output: Cow<'a, str>,
    },
    Action {
        thought: Cow<'a, str>,
        tool: Cow<'a, str>,
        tool_input: ActionInput<'a>,
    },
    Invalid(FormatProblem),
}

/// `parse(text)`.
pub fn parse_agent_output(text: &str) -> AgentOutput<'_> {
    let thought = extract_thought(text);
    if let Some(pos) = rfind_str(text, &NEEDLES.final_answer) {
        let mut output = strip(&text[pos + FINAL_ANSWER.len()..]);
        if output.ends_with("```") && !output.matches("```").count().is_multiple_of(2) {
            output = rstrip(&output[..output.len() - 3]);
        }
        return AgentOutput::Finish {
            thought,
            output: Cow::Borrowed(output),
        };
    }
    let Some(head) = first_action_head(text) else {
        return AgentOutput::Invalid(FormatProblem::MissingAction);
    };
    let tool_start = head + text[head..].len() - lstrip(&text[head..]).len();
    match find_action_input(text, tool_start) {
        Some((tool_end, input_start)) => {
            let tool = Cow::Borrowed(strip(strip(&text[tool_start..tool_end]).trim_matches('*')));
            let action_input = strip(&text[input_start..]);
            let tool_input = safe_repair_json(action_input.trim_matches(' ').trim_matches('"'));
            AgentOutput::Action {
                thought,
                tool,
                tool_input,
            }
        }
        None if find_action_input(text, 0).is_none() => {
            AgentOutput::Invalid(FormatProblem::MissingActionInput)
        }
        None => AgentOutput::Invalid(FormatProblem::FormatWithoutTools),
    }
}

/// `_extract_thought`.
fn extract_thought(text: &str) -> Cow<'_, str> {
    let index = find_str(text, &NEEDLES.newline_action, 0)
        .or_else(|| find_str(text, &NEEDLES.newline_final, 0));
    match index {
        Some(i) => {
            let head = strip(&text[..i]);
            if find_str(head, &NEEDLES.fence, 0).is_some() {
                Cow::Owned(strip(&head.replace("```", "")).to_owned())
            } else {
                Cow::Borrowed(head)
            }
        }
        None => Cow::Borrowed(""),
    }
}

/// `_safe_repair_json`, as far as it can be decided here.
fn safe_repair_json(tool_input: &str) -> ActionInput<'_> {
    if tool_input.starts_with('[') && tool_input.ends_with(']') {
        return ActionInput::Final(Cow::Borrowed(tool_input));
    }
    let tool_input = if find_str(tool_input, &NEEDLES.triple_quote, 0).is_some() {
        Cow::Owned(tool_input.replace("\"\"\"", "\""))
    } else {
        Cow::Borrowed(tool_input)
    };
    match repair_json(&tool_input) {
        Decision::Decided(result) => {
            let unrepairable = result.is_empty() || result == "\"\"" || result == "{}";
            // json_repair >= 0.60 wraps non-JSON in a list: crewai treats that as unrepairable.
            let wrapped = result.starts_with('[') && !lstrip(&tool_input).starts_with('[');
            if unrepairable || wrapped {
                ActionInput::Final(tool_input)
            } else {
                ActionInput::Final(Cow::Owned(result))
            }
        }
        Decision::Undecided => ActionInput::NeedsRepair(tool_input),
    }
}

/// Skips `\s*\d*\s*` from `pos`.
fn skip_label_number(text: &str, pos: usize) -> usize {
    let pos = skip_while(text, pos, is_space);
    let pos = skip_while(text, pos, is_decimal);
    skip_while(text, pos, is_space)
}

/// The end of the run of `class` chars from byte `pos`; ASCII bytes are tested without
/// decoding (labels are ASCII, and this runs at every `Action` in the text).
fn skip_while(text: &str, mut pos: usize, class: fn(char) -> bool) -> usize {
    let bytes = text.as_bytes();
    while let Some(&b) = bytes.get(pos) {
        let c = if b.is_ascii() {
            char::from(b)
        } else {
            match text[pos..].chars().next() {
                Some(c) => c,
                None => break,
            }
        };
        if !class(c) {
            break;
        }
        pos += c.len_utf8();
    }
    pos
}

/// End of `Action\s*\d*\s*:` starting at `at` (where `Action` is), if it matches.
fn head_at(text: &str, at: usize) -> Option<usize> {
    let pos = skip_label_number(text, at + "Action".len());
    text[pos..].starts_with(':').then_some(pos + 1)
}

/// End of `Action\s*\d*\s*Input\s*\d*\s*:` starting at `at`, if it matches.
fn tail_at(text: &str, at: usize) -> Option<usize> {
    let pos = skip_label_number(text, at + "Action".len());
    if !text[pos..].starts_with("Input") {
        return None;
    }
    let pos = skip_label_number(text, pos + "Input".len());
    text[pos..].starts_with(':').then_some(pos + 1)
}

fn first_action_head(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = find_str(text, &NEEDLES.action, from) {
        if let Some(end) = head_at(text, at) {
            return Some(end);
        }
        from = at + 1;
    }
    None
}

/// The first `Action...Input...:` at or after `from`: (where it starts, where its input starts).
fn find_action_input(text: &str, mut from: usize) -> Option<(usize, usize)> {
    while let Some(at) = find_str(text, &NEEDLES.action, from) {
        if let Some(end) = tail_at(text, at) {
            return Some((at, end));
        }
        from = at + 1;
    }
    None
}

/// The substrings the parser looks for, as vectorised searchers built once: building one
/// costs more than searching a few hundred bytes with it.
struct Needles {
    action: Finder<'static>,
    newline_action: Finder<'static>,
    newline_final: Finder<'static>,
    final_answer: Finder<'static>,
    fence: Finder<'static>,
    triple_quote: Finder<'static>,
}

static NEEDLES: LazyLock<Needles> = LazyLock::new(|| Needles {
    action: Finder::new("Action"),
    newline_action: Finder::new("\nAction"),
    newline_final: Finder::new("\nFinal Answer"),
    final_answer: Finder::new(FINAL_ANSWER),
    fence: Finder::new("```"),
    triple_quote: Finder::new("\"\"\""),
});

/// `text.find(needle)` from byte `from`.
fn find_str(text: &str, needle: &Finder<'_>, from: usize) -> Option<usize> {
    needle.find(&text.as_bytes()[from..]).map(|i| from + i)
}

/// `text.rfind(needle)`: forward searches, since the needle is usually absent (one vectorised
/// pass) and the reverse searcher is not vectorised.
fn rfind_str(text: &str, needle: &Finder<'_>) -> Option<usize> {
    let mut last = None;
    let mut from = 0;
    while let Some(at) = find_str(text, needle, from) {
        last = Some(at);
        from = at + 1;
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_with_json_input() {
        let out = parse_agent_output(
            "Thought: look\nAction: **Search**\nAction Input: {\"q\":\"rust\"}\n",
        );
        assert_eq!(
            out,
            AgentOutput::Action {
                thought: "Thought: look".into(),
                tool: "Search".into(),
                tool_input: ActionInput::Final("{\"q\": \"rust\"}".into()),
            }
        );
    }

    #[test]
    fn final_answer_wins_and_fences_balance() {
        let out =
            parse_agent_output("Thought: done\nAction: x\nAction Input: {}\nFinal Answer: 42\n```");
        assert_eq!(
            out,
            AgentOutput::Finish {
                thought: "Thought: done".into(),
                output: "42".into()
            }
        );
    }

    #[test]
    fn format_problems() {
        assert_eq!(
            parse_agent_output("just text"),
            AgentOutput::Invalid(FormatProblem::MissingAction)
        );
        assert_eq!(
            parse_agent_output("Action: x"),
            AgentOutput::Invalid(FormatProblem::MissingActionInput)
        );
        assert_eq!(
            parse_agent_output("Action Input: {}\nAction: x"),
            AgentOutput::Invalid(FormatProblem::FormatWithoutTools)
        );
    }

    #[test]
    fn broken_json_is_repaired_or_left_to_json_repair() {
        // strip('"') eats the closing quotes, then """ becomes "; the port closes the string.
        let out = parse_agent_output("Action: t\nAction Input: {\"a\": \"\"\"b\"\"\"");
        assert!(
            matches!(out, AgentOutput::Action { tool_input: ActionInput::Final(s), .. } if s == "{\"a\": \"b\"}")
        );
        // A tuple is beyond the port: json_repair runs.
        let out = parse_agent_output("Action: t\nAction Input: {\"a\": (1, 2");
        assert!(
            matches!(out, AgentOutput::Action { tool_input: ActionInput::NeedsRepair(s), .. } if s == "{\"a\": (1, 2")
        );
    }
}
