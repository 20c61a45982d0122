"""`dumps`/`dumps_compact`/`loads` of strs and bytes whose storage ends right before an
unreadable page: a read past the end of the text (a vector load near a buffer's end) faults.

The encoder and the decoder read CPython's own storage in place with 8- to 64-byte vector
loads; a load that ran past the last character would read whatever follows the object, which
in a normal heap is readable, so tests on ordinary objects cannot see it. Here each input is a
byte-for-byte copy of a real object placed so that its last byte (the terminating NUL) is the
last readable byte of a mapping followed by a page with no access. The copies are never freed
(their reference count is far beyond reach and their mapping is never released), so nothing of
the interpreter ever touches the guard page but an over-read.
"""

from __future__ import annotations

import ctypes
import json
import mmap
import os
import sys
from typing import Any, TypeVar

import pytest

from crewai_rust.serialization import JSONImplementation

T = TypeVar("T", str, bytes)

PAGE = mmap.PAGESIZE
# Kept alive (and so mapped) for the rest of the process: the copies live in them.
_MAPPINGS: list[mmap.mmap] = []


def _no_access(addr: int, size: int) -> None:
    if os.name == "nt":
        old = ctypes.c_ulong()
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        ok = kernel32.VirtualProtect(ctypes.c_void_p(addr), ctypes.c_size_t(size), 0x01, ctypes.byref(old))
        assert ok, ctypes.get_last_error()  # type: ignore[attr-defined]
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    assert libc.mprotect(addr, size, 0) == 0, ctypes.get_errno()


def fresh(text: str) -> str:
    """A new str equal to `text` (no UTF-8 form cached on it yet), but for the interpreter's
    shared empty and one-character Latin-1 strs."""
    return text.encode("utf-32-le", "surrogatepass").decode("utf-32-le", "surrogatepass")


# Header bytes of a compact ASCII str and of any other compact str (measured on fresh objects:
# `sys.getsizeof` also counts a cached UTF-8 form, which lives in a separate allocation).
_ASCII_HEAD = sys.getsizeof(fresh("ab")) - 3
_WIDE_HEAD = sys.getsizeof(fresh("\u00e9\u00e9")) - 3


def _size(obj: str | bytes) -> int:
    """Bytes of the object's own allocation that hold its header and text (and the NUL)."""
    if isinstance(obj, bytes):
        return sys.getsizeof(obj)
    top = max(map(ord, obj), default=0)
    if top < 0x80:
        return _ASCII_HEAD + len(obj) + 1
    kind = 1 if top < 0x100 else 2 if top < 0x10000 else 4
    return _WIDE_HEAD + (len(obj) + 1) * kind


# A copy's reference count: far beyond reach, so no decrement ever frees it.
_PINNED = 1 << 40
# Guarded regions by size in pages (the end address of each, the guard page right after), and
# the copy each holds now. A region is written again only once its copy is referenced by
# nothing but this table (every test drops its copies), which keeps the number of mappings
# (two memory areas each) small: one per object would be tens of thousands in one process.
_REGIONS: dict[int, list[int]] = {}
_HELD: dict[int, Any] = {}


def _region(pages: int) -> int:
    """The end of a free guarded region of `pages` readable pages."""
    for end in _REGIONS.setdefault(pages, []):
        held = _HELD.get(end)
        # The table's reference, `held` and getrefcount's argument: nothing else holds it.
        if held is None or sys.getrefcount(held) == _PINNED + 3:
            _HELD.pop(end, None)
            return end
    m = mmap.mmap(-1, (pages + 1) * PAGE)
    _MAPPINGS.append(m)
    # One extra reference the process never drops: the mapping outlives interpreter teardown.
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(m))
    end = ctypes.addressof(ctypes.c_char.from_buffer(m)) + pages * PAGE
    _no_access(end, PAGE)
    _REGIONS[pages].append(end)
    return end


def at_page_end(obj: T) -> tuple[T, bool]:
    """A copy of `obj` ending at most 7 bytes before a no-access page (the object stays
    8-byte aligned), and whether it ends exactly there. A UTF-8 form cached on `obj` is shared
    by the copy, so `obj` must stay alive as long as the copy is used."""
    size = _size(obj)
    end = _region(size // PAGE + 1)
    start = (end - size) & ~7
    ctypes.memmove(start, id(obj), size)
    ctypes.c_ssize_t.from_address(start).value = _PINNED
    copy: T = ctypes.cast(start, ctypes.py_object).value
    _HELD[end] = copy
    assert type(copy) is type(obj)
    assert copy == obj
    return copy, start + size == end


# A filler per CPython storage width, and characters every escaper treats specially.
FILLERS = {"ascii": "b", "latin1": "\u00e9", "ucs2": "\u4e2d", "ucs4": "\U0001f600"}
SPECIALS = ['"', "\n", "\x7f", "\\"]


def texts() -> list[str]:
    """Every length up to past the widest vector step, each width, plain and with escapes."""
    out = []
    for fill in FILLERS.values():
        for special in ["", *SPECIALS]:
            for n in range(0, 140):
                chars = [fill if k % 2 else "a" for k in range(n)]
                if special and n:
                    chars[n * 7 // 11] = special
                out.append("".join(chars))
    return out


TEXTS = texts()


def _dumps_all(js: JSONImplementation, v: Any) -> list[Any]:
    return [
        js.dumps([v, {v: v}]),
        js.dumps([v, {v: v}], ensure_ascii=False),
        js.dumps({v: [v]}, indent=1, sort_keys=True),
        js.dumps_compact([v, {v: v}]),
    ]


def test_dumps_reads_no_byte_past_a_str(js: JSONImplementation) -> None:
    exact = 0
    for text in TEXTS:
        copy, at_end = at_page_end(fresh(text))
        exact += at_end
        assert _dumps_all(js, copy) == _dumps_all(js, text), repr(text)
    # The alignment leaves a few bytes of slack for most lengths; every width and escape still
    # gets lengths that end exactly at the guard page.
    assert exact >= len(TEXTS) // 10


def test_loads_reads_no_byte_past_a_document(js: JSONImplementation) -> None:
    exact = 0
    for n, text in enumerate(TEXTS):
        key = "k" * (n % 70)
        doc = json.dumps([text, {key: text, "n": n}], ensure_ascii=n % 2 == 0)
        want = json.loads(doc)
        for source in (fresh(doc), doc.encode("utf-8")):
            copy, at_end = at_page_end(source)
            exact += at_end
            assert js.loads(copy) == want, repr(doc)
    assert exact >= len(TEXTS) // 10


@pytest.mark.parametrize("n", range(0, 140))
def test_loads_of_a_truncated_document_at_the_guard_page_raises(js: JSONImplementation, n: int) -> None:
    # The reader's searches for a string's end run into the end of the input here.
    doc = '["' + "a\\u00e9" * (n // 7) + "b" * (n % 7)
    with pytest.raises(json.JSONDecodeError) as want:
        json.loads(doc)
    copy, _ = at_page_end(fresh(doc))
    with pytest.raises(json.JSONDecodeError) as got:
        js.loads(copy)
    assert (got.value.msg, got.value.pos) == (want.value.msg, want.value.pos)


def test_bytes_at_the_guard_page_are_base64_encoded(js: JSONImplementation) -> None:
    for n in range(0, 140):
        data = bytes(range(n % 256))[:n] + b"\xff" * max(0, n - 256)
        copy, _ = at_page_end(bytes(bytearray(data)))
        assert js.dumps([copy]) == js.dumps([data])
