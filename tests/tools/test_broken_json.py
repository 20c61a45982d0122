"""Broken JSON, class by class, against crewai's own functions: `repair_json` against
json_repair, `parse_tool_input` against `_validate_tool_input`, and the ReAct parser against
`crewai.agents.parser.parse` with the broken text as its Action Input. The corpus is
`corpus/broken_json.jsonl` (generate_broken.py); hypothesis mutates valid JSON the same ways."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import json_repair
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.tools.conftest import corpus, crewai_parse, crewai_validate_tool_input, outcome

from crewai_rust import _native
from crewai_rust.tools import helpers

BROKEN = corpus("broken_json")
CLASSES = sorted({e["class"] for e in BROKEN})


def react(text: str) -> str:
    return f"Thought: I should search\nAction: search\nAction Input: {text}"


def test_every_class_has_many_inputs():
    counts = Counter(e["class"] for e in BROKEN)
    assert len(counts) == 14
    assert min(counts.values()) >= 20
    assert len(BROKEN) >= 600


@pytest.mark.parametrize("name", CLASSES)
def test_repair_json_matches_json_repair(impl, name):
    repair = helpers(impl).repair_json
    texts = [e["text"] for e in BROKEN if e["class"] == name]
    assert [outcome(repair, t) for t in texts] == [outcome(json_repair.repair_json, t) for t in texts]


@pytest.mark.parametrize("name", CLASSES)
def test_tool_input_matches_crewai(impl, name):
    parse = helpers(impl).parse_tool_input
    texts = [e["text"] for e in BROKEN if e["class"] == name]
    assert [outcome(parse, t) for t in texts] == [outcome(crewai_validate_tool_input, t) for t in texts]


@pytest.mark.parametrize("name", CLASSES)
def test_react_parse_matches_crewai(impl, name):
    parse = helpers(impl).parse_agent_output
    texts = [react(e["text"]) for e in BROKEN if e["class"] == name]
    assert [outcome(parse, t) for t in texts] == [outcome(crewai_parse, t) for t in texts]


@pytest.mark.requires_extension
def test_rust_decides_most_broken_input_itself():
    # The equality above must come from the Rust repairer, not from handing everything back:
    # the extension's own answer (None = "run json_repair") is counted per class.
    core = _native.core()
    decided: dict[str, list[bool]] = defaultdict(list)
    for e in BROKEN:
        decided[e["class"]].append(core.repair_json(e["text"]) is not None)
    for name, flags in decided.items():
        assert sum(flags) * 2 > len(flags), name
    total = sum(sum(f) for f in decided.values())
    assert total * 10 >= len(BROKEN) * 8


@pytest.mark.requires_extension
@pytest.mark.parametrize(
    "text",
    [
        "{query: 'x', n: 2,}",  # json5: json5.loads answers
        '{"query": hello world}',  # neither Python nor json5: json_repair answers
        '```json\n{"query": "x"}\n```',
        '{"query": "x"} hope this helps',
        '{"a": 1 /* note */, "b": 2}',
        '{"query": "line one\nline two"}',
    ],
)
def test_rust_decides_tool_input_past_the_python_steps(text):
    out = _native.core().parse_tool_input(text)
    assert out is not None
    assert repr(out) == repr(crewai_validate_tool_input(text))


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
)
json_docs = st.recursive(
    json_scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=10,
)


def _delete(text: str, chars: str, pick: int) -> str:
    spots = [i for i, c in enumerate(text) if c in chars]
    if not spots:
        return text
    i = spots[pick % len(spots)]
    return text[:i] + text[i + 1 :]


def _insert(text: str, snippet: str, pick: int) -> str:
    i = pick % (len(text) + 1)
    return text[:i] + snippet + text[i:]


MUTATIONS = {
    "delete_quote": lambda t, k: _delete(t, "\"'", k),
    "delete_bracket": lambda t, k: _delete(t, "{}[]", k),
    "delete_comma": lambda t, k: _delete(t, ",", k),
    "delete_colon": lambda t, k: _delete(t, ":", k),
    "insert_comment": lambda t, k: _insert(t, [" // c\n", "/* c */", " # c\n"][k % 3], k),
    "fence": lambda t, k: ["```json\n", "```\n", "Input: "][k % 3] + t + ["\n```", "```", ""][k % 3],
    "trailing": lambda t, k: t + [" done", "\nThought: ok", ",", "}", " (see above)"][k % 5],
    "single_quotes": lambda t, k: t.replace('"', "'", 1 + k % 5),
    "truncate": lambda t, k: t[: k % (len(t) + 1)],
    "newline": lambda t, k: _insert(t, "\n", k),
}


@st.composite
def mutated_json(draw: st.DrawFn) -> str:
    doc = draw(json_docs)
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    for name in draw(st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3)):
        text = MUTATIONS[name](text, draw(st.integers(0, 10_000)))
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_json())
def test_mutated_json_matches_crewai(impl, text):
    h = helpers(impl)
    assert outcome(h.repair_json, text) == outcome(json_repair.repair_json, text)
    assert outcome(h.parse_tool_input, text) == outcome(crewai_validate_tool_input, text)
    assert outcome(h.parse_agent_output, react(text)) == outcome(crewai_parse, react(text))


# One plain JSON container between text json_repair's top level skips (a fence, a sentence,
# a cut after a value) is answered in one pass, without the repairing parser. Around it, the
# inputs that must not take that path: empty objects json_repair reparses as arrays, a comma
# that merges the next object, text that starts another value or a comment, escapes, U+201E.
EMBEDDED = [
    '```json\n{"query": "crewai", "n": 5, "tags": ["a", "b"], "f": 2.50, "z": -0}\n```',
    '{"query": "日本語 ✓ ok", "n": [1, {"b": null}]} I will summarise next.',
    'Input: {"query": "x", "n": 1e400}',
    '{"a": [1, {"b": true',
    '[1, 2, "x"] done',
]
NOT_EMBEDDED = [
    "```json\n{\n}\n```",
    "{ } x",
    '{"a": { }} x',
    '{"a": {\n}, "b": 1} x',
    '{"a": 1} , {"b": 2}',
    '{"a": 1}, "b": 2}',
    '{"a": 1} then {"b": 2}',
    '{"a": 1} (see above)',
    '{"a": 1} # note',
    'x / y {"a": 1}',
    '{"a": "b\\"c"} x',
    '{"a": "`code`"} x',
    '{"a": "\u201equote"} x',
    '{"a": 1, "a": 2} x',
    '{"a": 1e+5} x',
    '{"a": ["" ]} x',
    '{"a": NaN} x',
    '"{}"',
    ' "[1, 2] x"',
    '"x" {"a": 1}',
]


@pytest.mark.parametrize("text", EMBEDDED + NOT_EMBEDDED)
def test_embedded_json_matches_crewai(impl, text):
    h = helpers(impl)
    assert outcome(h.repair_json, text) == outcome(json_repair.repair_json, text)
    assert outcome(h.parse_tool_input, text) == outcome(crewai_validate_tool_input, text)
    assert outcome(h.parse_agent_output, react(text)) == outcome(crewai_parse, react(text))


@pytest.mark.requires_extension
@pytest.mark.parametrize("text", EMBEDDED)
def test_embedded_json_is_decided_in_rust(text):
    assert _native.core().repair_json(text) == json_repair.repair_json(text)


@pytest.mark.requires_extension
@pytest.mark.parametrize("text", [t for t in EMBEDDED if t.startswith(("```", "{"))])
def test_embedded_tool_input_is_decided_in_rust(text):
    # The fast path's dict, equal to crewai's chain (json_repair's repaired value). Text before
    # a value other than a fence ("Input: {...}") is Python syntax the literal_eval scan does
    # not settle, so crewai's chain runs there.
    decided = _native.core().parse_tool_input(text)
    assert isinstance(decided, dict)
    assert decided == crewai_validate_tool_input(text)
