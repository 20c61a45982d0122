"""`select_tool` and `sanitize_tool_name` against crewai's `_select_tool` and sanitizer."""

from __future__ import annotations

import re
from types import SimpleNamespace

from crewai.tools.tool_usage import ToolUsage
from crewai.utilities.string_utils import sanitize_tool_name as crewai_sanitize
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.tools.conftest import corpus

from crewai_rust.tools import helpers

CASES = corpus("tool_names")

name_parts = st.sampled_from(
    [
        "Search",
        "search",
        "the",
        "Internet",
        "HTTP",
        "Tool",
        "_",
        "-",
        " ",
        "é",
        "ﬀ",
        "Ｆ",  # noqa: RUF001 - fullwidth on purpose (NFKD)
        "①",
        "'",
        '"',
        "x" * 30,
    ]
)
names = st.one_of(st.text(max_size=40), st.lists(name_parts, max_size=8).map("".join))


def crewai_choice(name: str, tool_names: list[str]) -> int | None:
    """What crewai's `_select_tool` returns (as an index), or None where it raises."""
    tools = [SimpleNamespace(name=n, index=i) for i, n in enumerate(tool_names)]
    stand_in = SimpleNamespace(tools=tools, task=None, agent=None, tools_description="")
    try:
        return ToolUsage._select_tool(stand_in, name).index  # type: ignore[arg-type]
    except Exception:  # crewai raises a bare Exception when nothing matches
        return None


def test_corpus_matches_crewai(impl):
    select = helpers(impl).select_tool
    assert [select(c["name"], c["tools"]) for c in CASES] == [
        crewai_choice(c["name"], c["tools"]) for c in CASES
    ]


@settings(max_examples=300, deadline=None)
@given(names, st.lists(names, max_size=8))
def test_generated_choices_match_crewai(impl, name, tool_names):
    assert helpers(impl).select_tool(name, tool_names) == crewai_choice(name, tool_names)


@settings(max_examples=500, deadline=None)
@given(st.one_of(names, st.text(alphabet=st.characters(), max_size=90)))
def test_sanitize_matches_crewai(impl, name):
    assert helpers(impl).sanitize_tool_name(name) == crewai_sanitize(name)


def test_long_names_hash_like_crewai(impl):
    name = "Very" * 30 + "LongToolName"
    assert helpers(impl).sanitize_tool_name(name) == crewai_sanitize(name)
    out = helpers(impl).sanitize_tool_name(name)
    # 64 at most: the cut before the hash drops a trailing underscore.
    assert len(out) <= 64
    assert re.fullmatch(r"[a-z_]+_[0-9a-f]{8}", out)


def test_long_requests_exercise_autojunk(impl):
    # sanitize caps names at 64 characters, so the ratio never sees 200+ elements here; the
    # autojunk path itself is covered by the Rust unit tests against CPython's value.
    tools = ["a" * 300, "b" * 300]
    assert helpers(impl).select_tool("a" * 299, tools) == crewai_choice("a" * 299, tools)


def test_ties_go_to_the_first_tool(impl):
    assert helpers(impl).select_tool("calc", ["Calc", "calc", "CALC"]) == 0
    assert helpers(impl).select_tool("nothing like it", ["Calc"]) is None
