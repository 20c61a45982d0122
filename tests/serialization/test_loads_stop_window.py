"""`loads` against `json.loads` around the reader's classified windows of stop bytes.

The Rust reader classifies the document's stop bytes (`"`, `\\`, control characters) a window
of up to 4 KiB at a time, 64 bytes a step, into one bit per byte, and finds each string's end
from those bits (an unaligned 64-bit read of them, then word by word, then the next window).
A window starts where a search first needs it. These documents put string ends, escapes,
backslash runs, raw non-ASCII text, invalid UTF-8 and the document's own end at every offset
around the 64-byte blocks, the 64-bit words and the window ends, and compare the results (or
the exact error) with the stdlib's, for `str` and `bytes` input.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from crewai_rust.serialization import JSONImplementation

WINDOW = 4096


def outcome(fn: Any, s: Any) -> Any:
    try:
        value = fn(s)
    except json.JSONDecodeError as exc:
        return ("JSONDecodeError", exc.msg, exc.pos, exc.lineno, exc.colno)
    except UnicodeDecodeError as exc:
        return ("UnicodeDecodeError", exc.start, exc.end, exc.reason)
    except (ValueError, TypeError, RecursionError) as exc:
        return (type(exc).__name__, str(exc))
    return ("ok", value, [type(v) for v in value] if isinstance(value, list) else type(value))


def same_as_stdlib(js: JSONImplementation, text: str) -> None:
    assert outcome(js.loads, text) == outcome(json.loads, text)
    data = text.encode("utf-8", "surrogatepass")
    assert outcome(js.loads, data) == outcome(json.loads, data)


def test_short_strings_ending_at_every_offset_around_window_ends(js: JSONImplementation) -> None:
    """Lists of short strings after a pad of every length: the strings' ends sweep across the
    first window's end (a string started in one window and closed in the next), and the
    later windows start wherever a string does."""
    for length in (1, 7, 8, 9, 31, 36, 55, 56, 57, 63, 64, 65):
        items = [("x" * (k % 3) + "s" * length)[:length] for k in range(2 * WINDOW // (length + 4) + 4)]
        body = ", ".join(json.dumps(s) for s in items)
        for pad in range(0, length + 4):
            same_as_stdlib(js, "[" + " " * pad + body + "]")


@pytest.mark.parametrize(
    "special", ['"', "\\n", "\\u00e9", "\\ud83d\\ude00", "\x01", "\u00e9", "\U0001f600", ""]
)
def test_long_strings_with_a_stop_around_every_window_end(js: JSONImplementation, special: str) -> None:
    """A string longer than a window with a stop (closing quote, escape, raw control
    character, raw non-ASCII text, nothing) at every offset around the ends of the windows
    it crosses, and the document going on after it or ending inside it."""
    for window_end in (WINDOW, 2 * WINDOW):
        for at in range(window_end - 70, window_end + 70, 3):
            body = "a" * at + special + "b" * 90
            for text in (f'"{body}"', f'["{body}", "tail"]', f'"{body}', f'{{"k": "{body}", "n": 1}}'):
                same_as_stdlib(js, text)


@pytest.mark.parametrize("run", range(1, 7))
def test_backslash_runs_of_either_parity_across_blocks(js: JSONImplementation, run: int) -> None:
    """A run of backslashes, odd or even, before a quote or a letter, placed across every
    64-byte block boundary and a window end: an even run is escaped backslashes and the
    quote closes the string, an odd run escapes the quote (or is an invalid escape before
    a letter)."""
    for start in [*range(50, 80), *range(WINDOW - 8, WINDOW + 8)]:
        for after in ('"', "n", 'x"', '", "z"'):
            body = "a" * start + "\\" * run + after
            for text in (f'["{body}", 1]', f'"{body}"', f'"{body}'):
                same_as_stdlib(js, text)


def test_document_ending_inside_every_block_position(js: JSONImplementation) -> None:
    """Documents of every length up to three blocks, closed or cut inside a string, with the
    string opened at every early offset: the window's last, partial block."""
    for length in range(0, 200):
        for opened in (0, 1, 63, 64, 65):
            if opened > length:
                continue
            text = " " * opened + '"' + "q" * (length - opened)
            same_as_stdlib(js, text)
            same_as_stdlib(js, text + '"')
            same_as_stdlib(js, text + "\\")
            same_as_stdlib(js, text + "\x1f")


def test_invalid_utf8_in_bytes_at_every_block_offset(js: JSONImplementation) -> None:
    """Bytes input with a malformed UTF-8 sequence inside a string at every offset around a
    block and a window end: the same UnicodeDecodeError (start, end, reason) as the stdlib."""
    for bad in (b"\xff", b"\xc3", b"\xe4\xbc", b"\xed\xa0\x80", b"\xc3\x28", b"\xf0\x9f\x98"):
        for at in [*range(0, 70, 3), *range(WINDOW - 6, WINDOW + 6)]:
            data = b'["' + b"a" * at + bad + b'b", "c"]'
            assert outcome(js.loads, data) == outcome(json.loads, data)


def test_non_ascii_documents_keep_character_error_positions(js: JSONImplementation) -> None:
    """In a document with raw non-ASCII text (read as UTF-8, positions counted in
    characters), an error after strings that cross blocks and windows is reported at the
    stdlib's character position."""
    word = "résumé 会议 😀 "
    for n in (1, 5, 40, 400):
        body = word * n
        for broken in ('"a\x01"', '"unterminated', "[1,]", '{"k" 1}', '"\\x"', '"\\u12"'):
            same_as_stdlib(js, f'["{body}", {broken}]')
            same_as_stdlib(js, f'{{"{body}": "{body}", "e": {broken}}}')
