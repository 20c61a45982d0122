"""`install()` routes crewai's own call sites through the tools helpers; `uninstall()` restores.

The crew test runs a real crewai Agent/Task/Crew with a scripted LLM (a `BaseLLM` subclass that
answers fixed ReAct text) and a real tool, and checks the step went through the Rust paths.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

import crewai_rust
from crewai_rust import _native

pytestmark = [pytest.mark.requires_extension, pytest.mark.crewai]


class _Spy:
    """Stands in for the extension module and counts calls of its functions and classes."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._real, name)
        if not callable(target):
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return target(*args, **kwargs)

        return counted


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> _Spy:
    spy = _Spy(_native.core())
    monkeypatch.setattr(_native, "_core", spy)
    return spy


def _targets() -> dict[str, Any]:
    from crewai.agents import parser
    from crewai.agents.cache.cache_handler import CacheHandler
    from crewai.tools.tool_usage import ToolUsage
    from crewai.utilities import agent_utils
    from crewai.utilities.rpm_controller import RPMController

    return {
        "parser.parse": (parser, "parse"),
        "agent_utils.parse": (agent_utils, "parse"),
        "validate": (ToolUsage, "_validate_tool_input"),
        "select": (ToolUsage, "_select_tool"),
        "cache.add": (CacheHandler, "add"),
        "cache.read": (CacheHandler, "read"),
        "rpm.check": (RPMController, "check_or_wait"),
        "rpm.reset": (RPMController, "_reset_request_count"),
        "rpm.stop": (RPMController, "stop_rpm_counter"),
    }


def test_install_patches_every_call_site_and_uninstall_restores():
    before = {k: vars(t)[a] for k, (t, a) in _targets().items()}
    assert crewai_rust.install(tools=True, memory=False, serialization=False) == ["tools"]
    during = {k: vars(t)[a] for k, (t, a) in _targets().items()}
    assert all(during[k] is not before[k] for k in before)
    crewai_rust.uninstall()
    after = {k: vars(t)[a] for k, (t, a) in _targets().items()}
    assert all(after[k] is before[k] for k in before)


def test_patched_validate_and_select_keep_crewais_errors():
    from types import SimpleNamespace

    from crewai.tools.tool_usage import ToolUsage

    crewai_rust.install(tools=True, memory=False, serialization=False)
    stand_in = SimpleNamespace(
        agent=None, task=None, tools=[SimpleNamespace(name="Calculator")], tools_description="Calculator"
    )
    stand_in._emit_validate_input_error = lambda error: None
    assert ToolUsage._validate_tool_input(stand_in, "{'a': True}") == {"a": True}
    assert ToolUsage._validate_tool_input(stand_in, '{"a": 1') == {"a": 1}  # crewai's json_repair path
    with pytest.raises(Exception, match="Tool input must be a valid dictionary"):
        ToolUsage._validate_tool_input(stand_in, "   ")
    assert ToolUsage._select_tool(stand_in, "calculator") is stand_in.tools[0]
    with pytest.raises(Exception, match="Action 'weather' don't exist"):
        ToolUsage._select_tool(stand_in, "weather")


def test_patched_cache_and_rpm_keep_crewais_contract():
    from crewai.agents.cache.cache_handler import CacheHandler
    from crewai.tools.tool_failure import ToolFailure
    from crewai.utilities.rpm_controller import RPMController

    early = CacheHandler()
    early.add("tool", "in-put", "cached before install")
    crewai_rust.install(tools=True, memory=False, serialization=False)
    assert early.read("tool", "in-put") == "cached before install"
    handler = CacheHandler()
    handler.add("t", "i", "v")
    handler.add("t", "f", ToolFailure(message="no"))
    assert (handler.read("t", "i"), handler.read("t", "f")) == ("v", None)
    rpm = RPMController(max_rpm=3)
    assert rpm._timer is None  # no timer thread was started
    assert [rpm.check_or_wait() for _ in range(3)] == [True, True, True]
    rpm.stop_rpm_counter()
    assert rpm._shutdown_flag is True


class _ScriptedLLM:
    """Built lazily: crewai must be imported inside the test (its import warns)."""

    @staticmethod
    def make(responses: list[str]) -> Any:
        from crewai.llms.base_llm import BaseLLM

        class ScriptedLLM(BaseLLM):
            script: list[str]

            def call(self, messages: Any, *args: Any, **kwargs: Any) -> str:
                return self.script.pop(0) if self.script else "Thought: done\nFinal Answer: out of script"

            def supports_function_calling(self) -> bool:
                return False

            def supports_stop_words(self) -> bool:
                return False

            def get_context_window_size(self) -> int:
                return 8192

        return ScriptedLLM(model="scripted", script=list(responses))


def _run_crew(responses: list[str]) -> tuple[str, list[dict[str, Any]]]:
    from crewai import Agent, Crew, Task
    from crewai.tools import BaseTool

    calls: list[dict[str, Any]] = []

    class Multiply(BaseTool):
        name: str = "Multiply Numbers"
        description: str = "Multiplies a and b."

        def _run(self, a: int, b: int) -> str:
            calls.append({"a": a, "b": b})
            return str(a * b)

    agent = Agent(
        role="Calculator",
        goal="Multiply numbers",
        backstory="Good at maths",
        llm=_ScriptedLLM.make(responses),
        tools=[Multiply()],
        max_rpm=50,
        verbose=False,
    )
    task = Task(description="What is 6 times 7?", expected_output="A number", agent=agent)
    result = Crew(agents=[agent], tasks=[task], verbose=False).kickoff()
    return str(result.raw), calls


SCRIPT = [
    # A fuzzy, bold tool name and a Python-literal input: crewai's select and validate both run.
    "Thought: I should multiply.\nAction: **multiply_number**\nAction Input: {'a': 6, 'b': 7}\n",
    "Thought: I now know the final answer\nFinal Answer: 42",
]


# crewai itself warns while building a crew (its own deprecations); those are not under test.
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ImportWarning")
def test_crew_step_runs_through_the_rust_paths(spy: _Spy, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CREWAI_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    plain = _run_crew(list(SCRIPT))
    assert spy.calls == {}
    crewai_rust.install(tools=True, memory=False, serialization=False)
    patched = _run_crew(list(SCRIPT))
    assert patched == plain == ("42", [{"a": 6, "b": 7}])
    # crewai 1.15's ReAct executor does not consult the tool cache on this path (the native
    # function-calling path does); the cache patch is covered by the test above.
    for name in ("agent_output", "select_tool", "parse_tool_input", "RateLimit"):
        assert spy.calls.get(name, 0) >= 1, (name, spy.calls)
    assert os.environ["CREWAI_DISABLE_TELEMETRY"] == "true"


def test_verbose_agents_keep_crewais_repair_printout(capsys: pytest.CaptureFixture[str]):
    from types import SimpleNamespace

    from crewai.tools.tool_usage import ToolUsage

    crewai_rust.install(tools=True, memory=False, serialization=False)
    stand_in = SimpleNamespace(agent=SimpleNamespace(verbose=True), _emit_validate_input_error=lambda e: None)
    assert ToolUsage._validate_tool_input(stand_in, '{"a": 1') == {"a": 1}
    assert "Repaired JSON" in capsys.readouterr().out
