"""Scope aggregates, for both engines: `scope_info`, `list_categories`, `count` and `list_scopes`
equal a brute-force recount of the stored records after random writes made by this process and
by another one (caught up from the file), and after reopening."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from typing import Any

import pytest

pytestmark = pytest.mark.slow

SCOPES = ["/crew", "/crew/a", "/crew/a/x", "/crew/ab", "/crew/b", "/other"]
PREFIXES = ["/", "/crew", "/crew/a", "/crew/a/x", "/crew/ab", "/crew/b", "/other", "/none"]
CATS = ["plan", "fact", "tool"]

# The operations, as source shared by this process and the writer subprocess.
OPS = textwrap.dedent(
    """
    def make(rid, vec, scope, categories, us):
        return {"id": rid, "content": "c " + rid, "scope": scope, "categories": categories,
                "metadata": "{}", "importance": 0.5, "created_at": f"t{us}-{rid}", "created_us": us,
                "last_accessed": "t", "source": None, "private": False, "embedding": vec}

    def random_ops(store, rng, n):
        for _ in range(n):
            op = rng.randrange(10)
            if op < 6:
                batch = []
                for _ in range(1 + rng.randrange(3)):
                    rid = f"r{rng.randrange(50):02d}"
                    us = 1_000 + rng.randrange(6)
                    scope = SCOPES[rng.randrange(len(SCOPES))]
                    cats = [CATS[rng.randrange(3)] for _ in range(rng.randrange(4))]
                    batch.append(make(rid, [rng.random(), 1.0], scope, cats, us))
                store.upsert(batch)
            elif op < 8:
                store.delete(record_ids=[f"r{rng.randrange(50):02d}" for _ in range(2)])
            elif op < 9:
                store.delete(categories=[CATS[rng.randrange(3)]])
            else:
                store.reset(SCOPES[rng.randrange(len(SCOPES))])
    """
)
namespace: dict[str, Any] = {"SCOPES": SCOPES, "CATS": CATS}
exec(OPS, namespace)
random_ops = namespace["random_ops"]


def in_scope(scope: str, prefix: str) -> bool:
    return prefix == "/" or scope == prefix or scope.startswith(prefix + "/")


def assert_matches_recount(store: Any, when: str) -> None:
    everything = store.list_records(limit=100_000)
    for prefix in PREFIXES:
        inside = [r for r in everything if in_scope(r["scope"], prefix)]
        cats: dict[str, int] = {}
        for r in inside:
            for c in set(r["categories"]):
                cats[c] = cats.get(c, 0) + 1
        oldest = min(inside, key=lambda r: (r["created_us"], r["id"]), default=None)
        newest = min(inside, key=lambda r: (-r["created_us"], r["id"]), default=None)
        depth = 0 if prefix == "/" else prefix.count("/")
        children = sorted(
            {
                "/" + "/".join(r["scope"].split("/")[1 : depth + 2])
                for r in inside
                if r["scope"].count("/") > depth
            }
        )
        info = store.scope_info(prefix)
        at = f"{when}, prefix {prefix}"
        assert info["record_count"] == len(inside), at
        assert info["categories"] == sorted(cats), at
        assert info["oldest_created_at"] == (None if oldest is None else oldest["created_at"]), at
        assert info["newest_created_at"] == (None if newest is None else newest["created_at"]), at
        assert info["child_scopes"] == children, at
        assert dict(store.list_categories(None if prefix == "/" else prefix)) == cats, at
        assert store.count(None if prefix == "/" else prefix) == len(inside), at
        assert list(store.list_scopes(prefix)) == children, at


def test_aggregates_equal_a_recount_after_random_writes(open_store):
    store = open_store(None)
    rng = random.Random(5)
    for step in range(12):
        random_ops(store, rng, 25)
        assert_matches_recount(store, f"step {step}")


WRITER = """
import random, sys
from crewai_rust import _native
from crewai_rust.memory.reference import PyMemoryStore
impl, path, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = (PyMemoryStore if impl == "python" else _native.core().MemoryStore)(path, None)
SCOPES, CATS = {scopes!r}, {cats!r}
{ops}
random_ops(store, random.Random(seed), 150)
store.close()
"""


def test_aggregates_follow_another_process_and_reopen(open_store, tmp_path, impl):
    path = tmp_path / "s"
    mine = open_store(path)
    rng = random.Random(9)
    random_ops(mine, rng, 60)
    assert_matches_recount(mine, "before the other process")
    script = WRITER.format(scopes=SCOPES, cats=CATS, ops=OPS)
    for seed in (1, 2):
        done = subprocess.run(
            [sys.executable, "-c", script, impl, str(path), str(seed)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert_matches_recount(mine, f"after the other process (seed {seed})")
        random_ops(mine, rng, 40)
        assert_matches_recount(mine, f"after more local writes (seed {seed})")
    mine.close()
    assert_matches_recount(open_store(path), "reopened")
