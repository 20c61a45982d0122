"""The demo crew: two agents, three tasks, two real tools and crewai memory, fully scripted.

Everything the crew does is deterministic (scripted LLM responses, a hashing embedder, a bundled
corpus), so two runs must produce the same outputs, tool calls, prompts and memory records;
any difference between a crewai-only run and a crewai-rust run is a behaviour change.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field
from typing import Any

from crewai import Agent, Crew, Process, Task
from crewai.memory.unified_memory import Memory
from crewai.tools import BaseTool

from crewai_rust.demo import corpus
from crewai_rust.testing import HashEmbedder, ScriptedLLM

__all__ = ["DemoCrew", "ToolLog", "build_crew"]

NOTES_SCOPE = "/demo/notes"

DEFAULT_NOTE = "A save that returned survives kill -9; reopen discards only a torn tail."


def researcher_script(note: str = DEFAULT_NOTE) -> list[str]:
    """The researcher's responses; `note` is what it remembers (the tool input keeps crewai's
    repair path: its JSON is missing the closing brace)."""
    return [
        "Thought: I should look up what the notes say about durability.\n"
        'Action: search_corpus\nAction Input: {"query": "durability killed torn tail"}',
        "Thought: This is worth keeping for the report.\n"
        f'Action: remember_note\nAction Input: {{"note": "{note}", "topic": "durability"',
        "Thought: I now know the final answer.\n"
        "Final Answer: Saves survive kill -9 and a reopen discards only a torn tail.",
    ]


# The analyst misspells the calculator (crewai's fuzzy tool selection finds it) and passes a
# Python-literal dict; later it recalls the researcher's note from memory.
ANALYST_SCRIPT = [
    "Thought: I need the pilot's total cost.\nAction: Calculater\nAction Input: {'expression': '12 * 7 + 3'}",
    "Thought: I now know the final answer.\nFinal Answer: The pilot costs 87 units.",
    "Thought: Let me recall what the team noted.\n"
    'Action: recall_notes\nAction Input: {"query": "durability kill"}',
    "Thought: I now know the final answer.\n"
    "Final Answer: Report: the store is crash-safe (kill -9, torn tail discarded) "
    "and the pilot costs 87 units.",
]

_OPS: dict[type[ast.AST], Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.USub: operator.neg,
}


def _arith(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _arith(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arith(node.left), _arith(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arith(node.operand))
    raise ValueError("only + - * / on numbers are allowed")


@dataclass
class ToolLog:
    """Every tool call the crew made, in order: (tool, arguments, result)."""

    calls: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)


class _LoggedTool(BaseTool):
    log: Any = None

    def _record(self, args: dict[str, Any], result: str) -> str:
        self.log.calls.append((self.name, args, result))
        return result


class CalculatorTool(_LoggedTool):
    name: str = "calculator"
    description: str = "Evaluate an arithmetic expression with + - * / and parentheses."

    def _run(self, expression: str) -> str:
        value = _arith(ast.parse(expression, mode="eval"))
        return self._record({"expression": expression}, f"{value:g}")


class SearchCorpusTool(_LoggedTool):
    name: str = "search_corpus"
    description: str = "Search the team's notes; returns the best matching documents."

    def _run(self, query: str) -> str:
        hits = corpus.search(query)
        text = "\n".join(f"[{name}] {body}" for name, body in hits) or "no match"
        return self._record({"query": query}, text)


class RememberNoteTool(_LoggedTool):
    name: str = "remember_note"
    description: str = "Store a note in the team's memory under a topic."
    memory: Any = None

    def _run(self, note: str, topic: str) -> str:
        self.memory.remember(
            note, scope=NOTES_SCOPE, categories=[topic], importance=0.8, metadata={"topic": topic}
        )
        return self._record({"note": note, "topic": topic}, f"remembered under {topic}")


class RecallNotesTool(_LoggedTool):
    name: str = "recall_notes"
    description: str = "Recall notes from the team's memory that match a query."
    memory: Any = None

    def _run(self, query: str) -> str:
        matches = self.memory.recall(query, scope=NOTES_SCOPE, limit=3, depth="shallow")
        text = "\n".join(m.record.content for m in matches) or "nothing remembered"
        return self._record({"query": query}, text)


@dataclass
class DemoCrew:
    crew: Crew
    memory: Memory
    llms: dict[str, ScriptedLLM]
    tools: ToolLog


def build_crew(
    storage: Any, *, embed_dim: int = 64, note: str = DEFAULT_NOTE, **memory_options: Any
) -> DemoCrew:
    """The crew over `storage` (a crewai storage spec string or a StorageBackend instance).

    `note` is what the researcher remembers; `memory_options` go to crewai's `Memory`.
    """
    log = ToolLog()
    memory = Memory(
        storage=storage,
        embedder=HashEmbedder(embed_dim),
        llm=ScriptedLLM(responses=[]),  # explicit scope/categories/importance: no analysis call
        **memory_options,
    )
    researcher_llm = ScriptedLLM(responses=researcher_script(note))
    analyst_llm = ScriptedLLM(responses=list(ANALYST_SCRIPT))
    researcher = Agent(
        role="Researcher",
        goal="Find what the team's notes say and keep the important parts in memory",
        backstory="A careful reader of engineering notes.",
        llm=researcher_llm,
        tools=[SearchCorpusTool(log=log), RememberNoteTool(log=log, memory=memory)],
        allow_delegation=False,
        max_iter=5,
    )
    analyst = Agent(
        role="Analyst",
        goal="Compute figures and write the final report",
        backstory="Turns notes and numbers into a short report.",
        llm=analyst_llm,
        tools=[CalculatorTool(log=log), RecallNotesTool(log=log, memory=memory)],
        allow_delegation=False,
        max_iter=5,
    )
    research = Task(
        description="Find what the notes say about durability after a crash, and remember it.",
        expected_output="One sentence on durability.",
        agent=researcher,
    )
    budget = Task(
        description="Compute the pilot's total cost: 12 units a week for 7 weeks plus 3 units setup.",
        expected_output="The total cost in units.",
        agent=analyst,
    )
    report = Task(
        description="Write a one-line report combining durability and cost, using the team's memory.",
        expected_output="A one-line report.",
        agent=analyst,
        context=[research, budget],
    )
    crew = Crew(
        agents=[researcher, analyst],
        tasks=[research, budget, report],
        process=Process.sequential,
        verbose=False,
    )
    return DemoCrew(crew, memory, {"researcher": researcher_llm, "analyst": analyst_llm}, log)
