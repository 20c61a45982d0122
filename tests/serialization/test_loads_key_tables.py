"""Documents on both sides of the reader's key-table size switch (4 KiB), against the stdlib.

A short document gets a 64-slot table of keys, a longer one 512 slots; keys whose hashes
collide in the small table must still come back exactly, in order, with duplicates last-wins.
"""

from __future__ import annotations

import json

import pytest

from crewai_rust.serialization import JSONImplementation


def doc_of(n_keys: int, pad: int) -> str:
    members = {f"k{i:03d}_{'x' * (i % 7)}": i for i in range(n_keys)}
    members["pad"] = "p" * pad
    return json.dumps([members, {k: None for k in reversed(list(members))}])


@pytest.mark.parametrize("n_keys", [1, 63, 64, 65, 200])
@pytest.mark.parametrize("size", [4000, 4095, 4096, 4097, 9000])
def test_many_distinct_keys_either_side_of_the_table_switch(
    js: JSONImplementation, n_keys: int, size: int
) -> None:
    text = doc_of(n_keys, 0)
    text = doc_of(n_keys, max(0, size - len(text)))
    if len(text) < size:  # the padding is a lower bound when the keys alone are longer
        pytest.fail(f"document of {len(text)} bytes, wanted at least {size}")
    result = js.loads(text)
    assert result == json.loads(text)
    assert [list(d) for d in result] == [list(d) for d in json.loads(text)]


def test_duplicate_keys_in_a_short_document_are_last_wins(js: JSONImplementation) -> None:
    text = "{" + ", ".join(f'"k{i % 70}": {i}' for i in range(300)) + "}"
    assert len(text) < 4096
    assert js.loads(text) == json.loads(text)
    assert list(js.loads(text)) == list(json.loads(text))
