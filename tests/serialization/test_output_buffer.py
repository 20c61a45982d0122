"""The returned `str`/`bytes` is the encoder's own output buffer, finished either by shrinking
it or, when little of it is unused, by setting its size in place (keeping the allocation).
Either way the object must behave as any other of its value: equal, same hash and length,
usable as a dict key, sliced, concatenated, encoded, loaded back; on both implementations,
for repeated dumps of documents of similar and of different sizes."""

from __future__ import annotations

import ctypes
import json
from typing import Any

from serialization_strategies import crew

from crewai_rust.serialization import JSONImplementation


def docs() -> list[Any]:
    base = {"role": "user", "content": "r\u00e9sum\u00e9 \U0001f600 " * 200, "turn": 1}
    out: list[Any] = []
    for n in (1, 50, 50, 51, 400, 400, 3, 400, 1):
        out.append({"messages": [dict(base, turn=k) for k in range(n)]})
    return out


def test_repeated_dumps_give_ordinary_objects(js: JSONImplementation) -> None:
    for doc in docs():
        want = crew(doc)
        got = js.dumps(doc)
        assert type(got) is str
        assert got == want
        assert len(got) == len(want)
        assert hash(got) == hash(want)
        assert {got: 1}[want] == 1
        assert got[-3:] == want[-3:]
        assert (got + "!")[:-1] == want
        assert got.encode() == want.encode()
        assert json.loads(got) == json.loads(want)


def test_repeated_compact_dumps_give_ordinary_bytes(js: JSONImplementation) -> None:
    for doc in docs():
        want = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        got = js.dumps_compact(doc)
        assert type(got) is bytes
        assert got == want
        assert len(got) == len(want)
        assert hash(got) == hash(want)
        assert got[-2:] == want[-2:]
        assert bytes(memoryview(got)) == want
        assert got.decode() == want.decode()
        # C code reads a bytes' data up to its terminating NUL: it must be right after the text.
        assert ctypes.c_char_p(got).value == want
