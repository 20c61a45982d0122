"""Hybrid recall on LoCoMo: evidence recall@10 of vector-only, text-only (BM25) and hybrid search,
next to crewai's default store (LanceDBStorage) on the same data in the same run; hybrid search
latency at N = 100,000 records; full-text index build rate.

Data: `../shared/data/locomo` next to the repository, or `$CREWAI_RUST_LOCOMO` (see its
README: 5,882 dialogue turns of 10 conversations, 1,986 questions with evidence turn ids,
all-MiniLM-L6-v2 vectors). Every turn is one record whose content is the turn's `text`, scoped
by conversation; each question is searched within its conversation (a scope filter, so
collection statistics are those of the whole store, as in a real memory store). Recall@10 is
the share of a question's evidence turns in its top 10, averaged over questions with evidence.

The ranking defaults (BM25 k1 = 0.9, b = 0.4 with the statistics of the searched scope; English
stop words and Snowball stemming; fusion weight 0.7 over max-normalised scores; candidate pool
max(4·limit, 50)) were chosen on the development conversations (26 and 30) only; the figures
are printed for all conversations, the development ones and the held-out rest: see
docs/hybrid.md.

Searches go through the Rust engine (`crewai_rust._core.MemoryStore`: `search`, `search_text`,
`search_hybrid`), which `RustStorage` wraps. Run alone: `python -m benchmarks.bench_hybrid [--quick]`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import harness
from benchmarks.harness import Result

AREA = "hybrid"
LIMIT = 10
ENV = "CREWAI_RUST_LOCOMO"
# The development split the fusion weight was chosen on; the other conversations are held out.
DEV_CONVERSATIONS = frozenset({"26", "30"})


def locomo_dir() -> Path | None:
    """The LoCoMo directory, or None when it is absent."""
    env = os.environ.get(ENV)
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "locomo")
    for path in candidates:
        if (path / "turns.jsonl").is_file() and (path / "questions.jsonl").is_file():
            return path
    return None


@dataclass
class Locomo:
    turns: list[dict[str, Any]]
    questions: list[dict[str, Any]]
    turn_vecs: np.ndarray
    question_vecs: np.ndarray


def load(path: Path) -> Locomo:
    def jsonl(name: str) -> list[dict[str, Any]]:
        with open(path / name, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    return Locomo(
        jsonl("turns.jsonl"),
        jsonl("questions.jsonl"),
        np.load(path / "turns_minilm_l6_v2.npy").astype(np.float32),
        np.load(path / "questions_minilm_l6_v2.npy").astype(np.float32),
    )


def recall(found: list[int], evidence: set[int]) -> float:
    return len(evidence.intersection(found)) / len(evidence)


def engine_record(i: int, text: str, scope: str, vec: np.ndarray) -> dict[str, Any]:
    """A record for the Rust engine (`crewai_rust._core.MemoryStore`, see the engine contract)."""
    return {
        "id": str(i),
        "content": text,
        "scope": scope,
        "categories": [],
        "metadata": "{}",
        "importance": 0.5,
        "created_at": "2026-01-01T00:00:00",
        "created_us": i,
        "last_accessed": "2026-01-01T00:00:00",
        "source": None,
        "private": False,
        "embedding": vec,
    }


def lancedb_store(tmp: str, texts: list[str], scopes: list[str], vecs: np.ndarray) -> Any:
    from crewai.memory.storage.lancedb_storage import LanceDBStorage
    from crewai.memory.types import MemoryRecord

    store = LanceDBStorage(path=tmp, compact_every=0)
    for start in range(0, len(texts), 2000):
        store.save(
            [
                MemoryRecord(id=str(i), content=texts[i], scope=scopes[i], embedding=vecs[i].tolist())
                for i in range(start, min(start + 2000, len(texts)))
            ]
        )
    return store


def rust_store(texts: list[str], scopes: list[str], vecs: np.ndarray) -> Any:
    from crewai_rust import _native

    store = _native.core().MemoryStore()
    for start in range(0, len(texts), 5000):
        store.upsert(
            [
                engine_record(i, texts[i], scopes[i], vecs[i])
                for i in range(start, min(start + 5000, len(texts)))
            ]
        )
    store.wait_for_index()
    return store


def recall_rows(data: Locomo, quick: bool) -> list[Result]:
    dia = {(t["conv"], t["dia_id"]): i for i, t in enumerate(data.turns)}
    questions = []
    for qi, q in enumerate(data.questions):
        # Evidence ids the turns do not contain still count as missed (never found).
        evidence = {dia.get((q["conv"], e), -1 - k) for k, e in enumerate(q["evidence"])}
        if evidence:
            questions.append((qi, evidence))
    if quick:
        questions = questions[::5]
    texts = [t["text"] for t in data.turns]
    scopes = [f"/locomo/{t['conv']}" for t in data.turns]
    harness.progress(f"hybrid: LoCoMo, {len(texts)} turns in the Rust store, {len(questions)} questions")
    store = rust_store(texts, scopes, data.turn_vecs)
    r_vec, r_text, r_hyb, r_lance, t_hyb, t_lance, held_out = [], [], [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        harness.progress("hybrid: the same turns in crewai's LanceDBStorage")
        lance = lancedb_store(tmp, texts, scopes, data.turn_vecs)
        for qi, evidence in questions:
            q = data.questions[qi]
            scope = f"/locomo/{q['conv']}"
            qv = data.question_vecs[qi]
            held_out.append(q["conv"] not in DEV_CONVERSATIONS)

            def ids(hits: list[tuple[Any, float]]) -> list[int]:
                return [int(r["id"] if isinstance(r, dict) else r.id) for r, _ in hits]

            r_vec.append(recall(ids(store.search(qv, scope, limit=LIMIT)), evidence))
            r_text.append(recall(ids(store.search_text(q["question"], scope, limit=LIMIT)), evidence))
            t0 = time.perf_counter()
            hits = store.search_hybrid(q["question"], qv, scope, limit=LIMIT)
            t_hyb.append(time.perf_counter() - t0)
            r_hyb.append(recall(ids(hits), evidence))
            t0 = time.perf_counter()
            hits = lance.search(qv.tolist(), scope_prefix=scope, limit=LIMIT)
            t_lance.append(time.perf_counter() - t0)
            r_lance.append(recall(ids(hits), evidence))
    ho = np.array(held_out)
    dev = ~ho

    def mean(values: list[float], mask: np.ndarray | None = None) -> float:
        arr = np.array(values)
        return round(float(arr[mask].mean() if mask is not None else arr.mean()), 4)

    from crewai_rust.memory.text import DEFAULT_TEXT_WEIGHT

    return [
        Result(
            AREA,
            "LoCoMo evidence recall@10: Rust store hybrid search vs LanceDB vector search",
            f"{len(texts)} turns, {len(questions)} questions",
            float(np.median(t_hyb)),
            float(np.median(t_lance)),
            "crewai LanceDBStorage",
            {
                "recall_vector": mean(r_vec),
                "recall_text": mean(r_text),
                "recall_hybrid": mean(r_hyb),
                "recall_lancedb_vector": mean(r_lance),
                "dev_recall_vector": mean(r_vec, dev),
                "dev_recall_text": mean(r_text, dev),
                "dev_recall_hybrid": mean(r_hyb, dev),
                "dev_recall_lancedb_vector": mean(r_lance, dev),
                "heldout_recall_vector": mean(r_vec, ho),
                "heldout_recall_text": mean(r_text, ho),
                "heldout_recall_hybrid": mean(r_hyb, ho),
                "heldout_recall_lancedb_vector": mean(r_lance, ho),
                "fusion_weight": DEFAULT_TEXT_WEIGHT,
            },
        )
    ]


def synthetic(data: Locomo, n: int) -> tuple[list[str], np.ndarray]:
    """n records from the LoCoMo turns: texts cycled with a distinguishing suffix, vectors jittered."""
    rng = np.random.default_rng(42)
    base = len(data.turns)
    texts = [f"{data.turns[i % base]['text']} (copy {i // base})" for i in range(n)]
    vecs = data.turn_vecs[np.arange(n) % base] + rng.normal(0, 0.02, (n, data.turn_vecs.shape[1])).astype(
        np.float32
    )
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return texts, vecs.astype(np.float32)


def scale_rows(data: Locomo, quick: bool) -> list[Result]:
    from crewai_rust import _native
    from crewai_rust.memory import text as ref

    n = 20_000 if quick else 100_000
    texts, vecs = synthetic(data, n)
    scopes = [f"/bench/{i % 10}" for i in range(n)]
    items = list(enumerate(texts))
    harness.progress(f"hybrid: text index build of {n} records (Rust, then the Python reference on a prefix)")
    t0 = time.perf_counter()
    _native.core().TextIndex().add_many(items)
    rust_build = time.perf_counter() - t0
    build_n = min(n, 20_000)  # the reference is slow; its rate is measured on a prefix
    t0 = time.perf_counter()
    ref.TextIndex().add_many(items[:build_n])
    ref_build = (time.perf_counter() - t0) / build_n
    harness.progress(f"hybrid: Rust store and LanceDBStorage with {n} records")
    store = rust_store(texts, scopes, vecs)
    queries = [(q["question"], data.question_vecs[i]) for i, q in enumerate(data.questions)]
    state = {"i": 0}

    def next_query() -> tuple[str, np.ndarray]:
        state["i"] = (state["i"] + 1) % len(queries)
        return queries[state["i"]]

    def hybrid_call() -> None:
        text, qv = next_query()
        store.search_hybrid(text, qv, limit=LIMIT)

    def text_call() -> None:
        store.search_text(next_query()[0], limit=LIMIT)

    samples = 15 if quick else 40
    with tempfile.TemporaryDirectory() as tmp:
        lance = lancedb_store(tmp, texts, scopes, vecs)

        def lance_call() -> None:
            lance.search(next_query()[1].tolist(), limit=LIMIT)

        harness.progress(f"hybrid: search latency at N={n}")
        rust_t, lance_t = harness.compare(hybrid_call, lance_call, samples=samples, target_s=0.0)
    text_t = harness.measure(text_call, samples=samples * 4, number=1)
    size = f"N={n:,}, dim {vecs.shape[1]}"
    return [
        Result(
            AREA,
            "hybrid search p50 (Rust store) vs LanceDB vector search",
            size,
            rust_t.median,
            lance_t.median,
            "crewai LanceDBStorage (vector only)",
            {"p99_ms": round(rust_t.p99 * 1e3, 3), "text_only_p50_ms": round(text_t.median * 1e3, 3)},
        ),
        Result(
            AREA,
            "text index build, per record",
            f"N={n:,} short records",
            rust_build / n,
            ref_build,
            "Python reference index",
            {"records_per_s": round(n / rust_build), "reference_records_per_s": round(1 / ref_build)},
        ),
    ]


def run(quick: bool) -> list[Result]:
    from crewai_rust import _native

    if not _native.rust_available():
        harness.progress("hybrid: the Rust extension is not available; skipped")
        return []
    path = locomo_dir()
    if path is None:
        harness.progress(f"hybrid: LoCoMo data not found (../shared/data/locomo or ${ENV}); skipped")
        return []
    data = load(path)
    return recall_rows(data, quick) + scale_rows(data, quick)


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    for row in run(quick):
        print(
            f"{row.area:8} {row.operation:70} {row.size:34} rust {row.rust_s * 1e3:9.3f} ms  "
            f"{row.baseline}: {row.baseline_s * 1e3:9.3f} ms  x{row.ratio:7.1f}  {row.extra}"
        )


if __name__ == "__main__":
    main()
