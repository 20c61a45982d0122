"""Writes broken_json.jsonl: tool inputs broken the ways LLMs break JSON, one class per entry.

Each class (missing quotes, single quotes, trailing commas or text, code fences, comments,
json5-isms, unescaped newlines, missing commas or closers, stray closers, Python constants,
smart quotes) is applied to the same realistic tool-input dicts, with a fixed seed so the file
is reproducible. Re-run after editing: python tests/tools/corpus/generate_broken.py
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent

BASES: list[dict[str, object]] = [
    {"query": "latest AI news"},
    {"query": "weather in Paris", "units": "metric"},
    {"url": "https://example.com/a?b=1&c=2", "max_chars": 2000},
    {"a": 1, "b": 2.5, "c": -3, "d": True, "e": None},
    {"nested": {"deep": {"deeper": [1, 2, {"x": "y"}]}}},
    {"text": "Bonjour, ça va? Ünïcödé — 你好 — こんにちは"},
    {"emoji": "🚀🔥 launch 👩‍💻", "n": 3},
    {"items": ["alpha", "beta", "gamma"], "limit": 10},
    {"sql": "SELECT * FROM t WHERE x = 1", "db": "main"},
    {"path": "/tmp/report.txt", "mode": "w", "content": "line one"},
    {"question": "What is 2 + 2?", "context": "math, arithmetic"},
    {"city": "São Paulo", "days": 5, "metric": False},
    {"keywords": ["rust", "python"], "filters": {"year": 2024, "lang": "en"}},
    {"email": "a@b.com", "subject": "Hi: a note", "body": "See you."},
    {"coordinates": [48.85, 2.35], "radius_km": 1.5},
]


def _quote_keys(text: str, rng: random.Random) -> str:
    keys = list(re.finditer(r'"(\w+)":', text))
    for m in rng.sample(keys, k=rng.randint(1, len(keys))) if keys else []:
        text = text.replace(m.group(0), f"{m.group(1)}:", 1)
    return text


def _unquote_value(text: str, rng: random.Random) -> str:
    values = list(re.finditer(r': "([^"]*)"', text))
    if not values:
        return text + "}"
    m = rng.choice(values)
    return text[: m.start()] + f": {m.group(1)}" + text[m.end() :]


def _single_quotes(text: str, rng: random.Random) -> str:
    return text.replace('"', "'", rng.choice([-1, 2, 4]))


def _trailing_comma(text: str, rng: random.Random) -> str:
    return re.sub(r"([}\]])$", r",\1", text) if rng.random() < 0.5 else text[:-1] + ", }"


def _trailing_text(text: str, rng: random.Random) -> str:
    tails = [
        " and that is all",
        "\nThought: I now know",
        " // done",
        "\n\nObservation: none",
        " <end>",
        ". Hope this helps!",
    ]
    heads = ["", "Here is the input: ", "Sure! ", "input = "]
    return rng.choice(heads) + text + rng.choice(tails)


def _code_fence(text: str, rng: random.Random) -> str:
    opener = rng.choice(["```json\n", "```\n", "```JSON\n", "`"])
    return opener + text + rng.choice(["\n```", "```", "\n``", ""])


def _comments(text: str, rng: random.Random) -> str:
    comment = rng.choice([" // a comment\n", " /* note */ ", " # note\n"])
    commas = [m.end() for m in re.finditer(",", text)] or [1]
    at = rng.choice(commas)
    return text[:at] + comment + text[at:]


def _json5(text: str, rng: random.Random) -> str:
    text = _quote_keys(text, rng)
    if rng.random() < 0.5:
        text = text.replace('"', "'")
    return _trailing_comma(text, rng) if rng.random() < 0.5 else text


def _newline_in_string(text: str, rng: random.Random) -> str:
    spaces = [m.start() for m in re.finditer(r"(?<=\w) (?=\w)", text)]
    if not spaces:
        return text.replace('": "', '": "\n', 1)
    at = rng.choice(spaces)
    return text[:at] + "\n" + text[at + 1 :]


def _missing_comma(text: str, rng: random.Random) -> str:
    commas = [m.start() for m in re.finditer(", ", text)]
    if not commas:
        return text.replace(": ", " ", 1)
    at = rng.choice(commas)
    return text[:at] + text[at + 1 :]


def _missing_closer(text: str, rng: random.Random) -> str:
    cut = rng.randint(len(text) // 2, len(text) - 1)
    return text[:cut]


def _stray_closer(text: str, rng: random.Random) -> str:
    return text + rng.choice(["}", "]", "}}", "]}"])


def _python_constants(text: str, rng: random.Random) -> str:
    return text.replace("true", "True").replace("null", "None").replace("false", "False") + rng.choice(
        ["", ",", " "]
    )


def _smart_quotes(text: str, rng: random.Random) -> str:
    out = []
    opening = True
    for ch in text:
        if ch == '"' and rng.random() < 0.7:
            out.append("\u201c" if opening else "\u201d")
            opening = not opening
        else:
            out.append(ch)
    return "".join(out)


CLASSES: dict[str, Callable[[str, random.Random], str]] = {
    "missing_key_quotes": _quote_keys,
    "unquoted_value": _unquote_value,
    "single_quotes": _single_quotes,
    "trailing_comma": _trailing_comma,
    "trailing_text": _trailing_text,
    "code_fence": _code_fence,
    "comments": _comments,
    "json5": _json5,
    "unescaped_newline": _newline_in_string,
    "missing_comma": _missing_comma,
    "missing_closer": _missing_closer,
    "stray_closer": _stray_closer,
    "python_constants": _python_constants,
    "smart_quotes": _smart_quotes,
}


def broken_inputs(per_class: int = 60) -> list[dict[str, str]]:
    rng = random.Random(20261124)
    out: list[dict[str, str]] = []
    for name, breaker in CLASSES.items():
        seen: set[str] = set()
        for i in range(per_class * 3):
            if len(seen) >= per_class:
                break
            base = BASES[i % len(BASES)]
            text = json.dumps(base, ensure_ascii=rng.random() < 0.3)
            broken = breaker(text, rng)
            if broken not in seen and broken.strip():
                seen.add(broken)
                out.append({"class": name, "text": broken})
    return out


def main() -> None:
    with (HERE / "broken_json.jsonl").open("w", encoding="utf-8") as f:
        for entry in broken_inputs():
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
