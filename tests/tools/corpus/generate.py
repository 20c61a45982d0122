"""Writes the differential corpus (agent_outputs.jsonl, tool_inputs.jsonl, tool_names.jsonl).

The entries are shaped like what LLMs really send crewai: ReAct answers with JSON, Python-dict,
json5 and broken tool inputs, code fences, bold tool names, numbered actions, non-English text,
emoji, truncated outputs, final answers. Re-run after editing: python tests/tools/corpus/generate.py
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

HERE = Path(__file__).parent

TOOL_INPUTS = [
    # valid JSON
    '{"query": "latest AI news"}',
    '{"query": "weather in Paris", "units": "metric"}',
    '{"url": "https://example.com/a?b=1&c=2", "max_chars": 2000}',
    '{"a": 1, "b": 2.5, "c": -3, "d": 1e10, "e": 0.00001, "f": true, "g": null}',
    '{"nested": {"deep": {"deeper": [1, 2, {"x": "y"}]}}}',
    '{"text": "Bonjour, ça va? Ünïcödé — 你好 — こんにちは — مرحبا"}',
    '{"emoji": "🚀🔥 launch 👩‍💻"}',
    '{"code": "def f(x):\\n    return x * 2\\n"}',
    '{"escaped": "quote \\" backslash \\\\ tab \\t slash \\/ unicode \\u00e9 \\ud83d\\ude00"}',
    '{"dup": 1, "dup": 2}',
    '{"big": 123456789012345678901234567890, "neg": -0, "exp": 1E400}',
    '{"nan": NaN, "inf": Infinity, "ninf": -Infinity}',
    '  {"padded": "yes"}  \n',
    "{}",
    '{"list": []}',
    '{"float": 1.0, "float2": 100.0, "float3": 1e16, "float4": 123.456e-7}',
    # Python literals
    "{'query': 'latest AI news'}",
    "{'query': 'weather', 'metric': True, 'limit': None}",
    "{'coords': (48.85, 2.35), 'tags': ['a', 'b'], 'single': (1,)}",
    "{'nested': {'k': [1, 2, (3, 4)]}, 'neg': -5, 'pos': +5}",
    "{'text': 'it\\'s here', \"mixed\": \"double\"}",
    "{'trailing': 1,}",
    "{'unicode': 'über café 北京', 'escape': '\\x41\\u00e9\\N{BULLET}'}",
    "{'octal': '\\101', 'bell': '\\a'}",
    "{'float': 1., 'float2': .5, 'exp': 1e3}",
    "{'leading': 00}",
    "{'bad_leading': 01}",
    "{'underscore': 1_000}",
    "{'complex': 1j}",
    "{'set': {1, 2}}",
    "{1: 'int key'}",
    "{'raw': r'\\d+'}",
    "{'concat': 'a' 'b'}",
    "{'triple': '''x'''}",
    "\t{'tab_lead': 1}",
    # json5
    "{query: 'unquoted key'}",
    '{"comment": 1 /* block */}',
    '{"line": 1, // comment\n "b": 2}',
    '{"trailing": [1, 2,],}',
    "{hex: 0xFF, inf: Infinity, nan: NaN, plus: +1}",
    "{'single': 'quotes', trailing: true,}",
    # broken JSON
    '{"query": "latest AI news"',
    '{"query": "latest AI news',
    '{"query": latest AI news}',
    '{query: "x", "limit": 10',
    '{"a": 1} trailing garbage',
    '```json\n{"query": "fenced"}\n```',
    '```\n{"query": "fenced no lang"}\n```',
    'Here is the input: {"query": "chatty"}',
    '{"a": [1, 2, 3}',
    '{"a": "b", "c": }',
    '{"a" "b"}',
    '{"text": "unescaped "inner" quotes"}',
    "{'a': 'b', 'c': true}",
    '{"a": True, "b": None}',
    '{"a": 1,, "b": 2}',
    "{\"a\": 'mixed quotes'}",
    '{"missing": "comma" "next": 1}',
    '{"a": {"b": {"c": 1}',
    '{"a": "line\nbreak"}',
    '{"a": "\t tab raw"}',
    '[{"a": 1}]',
    '["just", "a", "list"]',
    '"just a string"',
    "42",
    "null",
    "search for cats",
    "query=cats&limit=5",
    "",
    "   ",
    "\u3000",
    "{",
    "}",
    "{{}}",
    '{"a": 1}}',
    '{"a": [}',
    '{"key": "value with emoji 🎉 and 中文"',
    '{"q": "¿Qué tal?", "lang": "es"',
    "{'q': 'Привет мир'",
    '{"deep": [[[[[[1]]]]]]}',
    '{"a":1,"b":{"c":[true,false,null],"d":"e"}}',
]

THOUGHTS = [
    "Thought: I need to search for this information.",
    "Thought: Let me look it up.\n",
    "I should use a tool.",
    "Thought: 我需要搜索这个信息。",
    "Thought: Je dois chercher 🔍",
    "```\nThought: fenced thought\n```",
    "",
]

TOOLS = [
    "Search the internet",
    "search_the_internet",
    "**Search the internet**",
    "  Read website content  ",
    "Calculator",
    "**get_weather**",
    "Ask question to coworker",
    "Delegate work to coworker",
    "Búsqueda web",
    "web-search_tool",
]

INPUTS_FOR_ACTIONS = [
    '{"query": "latest AI news"}',
    '{"query": "latest AI news"',
    "{'query': 'python'}",
    '"{"query": "quoted whole"}"',
    '"""{"query": "triple"}"""',
    '{"text": """triple inside"""}',
    "[1, 2, 3]",
    '{"a": 1} and then some commentary',
    "search for cats",
    '```json\n{"q": "fenced"}\n```',
    '{"q": "emoji 🚀", "lang": "日本語"}',
    "{}",
    '""',
    '{"nested": {"a": [1, {"b": null}]}}',
    '{"truncated": "the model stopped mid',
    '{"num": 1e400, "neg": -0}',
]

SPECIAL_OUTPUTS = [
    "Thought: I know the answer.\nFinal Answer: 42",
    "Thought: done\nFinal Answer: ```python\nprint('hi')\n```",
    "Thought: done\nFinal Answer: Here it is ```",
    "Final Answer: Final Answer: nested final",
    'Thought: both\nAction: Search\nAction Input: {"q": 1}\nFinal Answer: the answer wins',
    "Thought: emoji\nFinal Answer: 🎉 Done! 完成しました",
    "Final Answer:",
    "Final Answer:   \n  spaced out   \n",
    "Thought: thinking...\nAction: Search",
    'Thought: thinking...\nAction Input: {"q": 1}',
    'Action Input: {"q": 1}\nAction: Search',
    "just some text with no structure at all",
    "",
    'Thought: numbered\nAction 1: Search\nAction 1 Input: {"q": "x"}',
    'Thought: spaced\nAction : Search\nAction  Input  : {"q": "x"}',
    'Action:Search\nAction Input:{"q":"x"}',
    'Thought: two actions\nAction: First\nAction: Second\nAction Input: {"q": 1}',
    'Thought: two inputs\nAction: Tool\nAction Input: {"a": 1}\nAction Input: {"b": 2}',
    'Thought: observation hallucinated\nAction: Search\nAction Input: {"q": "x"}\nObservation: result',
    'Action: **Bold Tool**\nAction Input: {"q": "x"}',
    'Thought: arabic digits\nAction ٣: Search\nAction ٣ Input: {"q": 1}',
    'Thought: weird spaces\u3000\nAction:\u3000Search\u3000\nAction Input:\u3000{"q": 1}\u3000',
    'Thought: file sep\x1c\nAction:\x1cSearch\x1c\nAction Input:\x1c{"q": 1}\x1c',
    'Thought: truncated\nAction: Search\nAction Input: {"query": "how to',
    'Thought: code\nAction: Python REPL\nAction Input: {"code": "```python\\nprint(1)\\n```"}',
    'Thought: nul\x00byte\nAction: Search\nAction Input: {"q": "a\\u0000b"}',
    "ActionAction: x\nAction Input: y",
    "Actions: x\nAction Input: y",
    "Action Input Action: x Action Input: y",
    "\nAction: leading newline\nAction Input: {}",
    'Thought: fence in final\nFinal Answer: ```json\n{"a": 1}\n```\n```',
]


def agent_outputs() -> list[str]:
    out = list(SPECIAL_OUTPUTS)
    for thought, tool, tool_input in itertools.product(THOUGHTS[:4], TOOLS, INPUTS_FOR_ACTIONS):
        out.append(f"{thought}\nAction: {tool}\nAction Input: {tool_input}\n")
    for thought, answer in itertools.product(
        THOUGHTS, ["The answer is 42.", "```\ncode\n```", "多语言回答 ✅"]
    ):
        out.append(f"{thought}\nFinal Answer: {answer}")
    return out


def tool_names() -> list[dict[str, object]]:
    names = [
        "Search the internet",
        "Read website content",
        "Calculator",
        "get_weather",
        "SearchTool",
        "HTTPRequestTool",
        "Ask question to coworker",
        "Delegate work to coworker",
        "Búsqueda web",
        "Ｆｕｌｌｗｉｄｔｈ Ｔｏｏｌ",  # noqa: RUF001 - fullwidth letters on purpose (NFKD)
        "tool-with-dashes",
        "Tool With 'Quotes'",
        "file_read_tool",
        "DirectoryReadTool",
        "PDFSearchTool",
        "CSVSearchTool",
        "YoutubeVideoSearchTool",
        "ScrapeWebsiteTool",
        "SerperDevTool",
        "EXASearchTool",
    ]
    requests = [
        "Search the internet",
        "search_the_internet",
        "Search the internt",
        "search internet",
        "Read website",
        "calculator",
        "Calculater",
        "GetWeather",
        "get weather",
        "search_tool",
        "http_request_tool",
        "HTTPRequest",
        "ask_question_to_coworker",
        "Delegate work to co-worker",
        "busqueda web",
        "fullwidth_tool",
        "tool_with_dashes",
        "tool with quotes",
        "FileReadTool",
        "directory_read_tool",
        "pdf_search",
        "csv search tool",
        "youtube_video_search_tool",
        "scrape website tool",
        "serper_dev_tool",
        "exa_search_tool",
        "",
        "x" * 80,
        "A" * 70 + "Tool",
        "unknown tool",
        "Search",
        "🔍 search the internet",
    ]
    cases: list[dict[str, object]] = []
    for request in requests:
        cases.append({"name": request, "tools": names})
        cases.append({"name": request, "tools": names[:5]})
    cases.append({"name": "calc", "tools": ["calc", "Calc", "CALC"]})
    cases.append({"name": "x" * 100, "tools": ["x" * 100, "x" * 99 + "y"]})
    cases.append({"name": "anything", "tools": []})
    return cases


def main() -> None:
    tool_inputs = list(TOOL_INPUTS)
    # The same inputs as LLMs often send them: indented, wrapped in whitespace, CRLF.
    tool_inputs += [f"  {t}\n" for t in TOOL_INPUTS] + [
        t.replace("\n", "\r\n") for t in TOOL_INPUTS if "\n" in t
    ]
    tool_inputs += [t.replace(": ", ":") for t in TOOL_INPUTS if ": " in t]
    tool_inputs += [f"```json\n{t}\n```" for t in TOOL_INPUTS[:60]]
    tool_inputs += INPUTS_FOR_ACTIONS
    with (HERE / "tool_inputs.jsonl").open("w", encoding="utf-8") as f:
        for t in tool_inputs:
            f.write(json.dumps(t) + "\n")
    with (HERE / "agent_outputs.jsonl").open("w", encoding="utf-8") as f:
        for t in agent_outputs():
            f.write(json.dumps(t) + "\n")
    with (HERE / "tool_names.jsonl").open("w", encoding="utf-8") as f:
        for c in tool_names():
            f.write(json.dumps(c) + "\n")


if __name__ == "__main__":
    main()
