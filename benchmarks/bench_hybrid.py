"""Hybrid recall on LoCoMo: evidence recall@10 of vector-only, text-only (BM25) and hybrid search,
next to crewai's default store (LanceDBStorage) on the same data in the same run; hybrid search
latency at N = 100,000 records; full-text index build rate.

Data: `../shared/data/locomo` next to the repository, or `$CREWAI_RUST_LOCOMO` (see its
README: 5,882 dialogue turns of 10 conversations, 1,986 questions with evidence turn ids,
all-MiniLM-L6-v2 vectors). Every turn is one record whose content is the turn's `text`, scoped
by conversation; each question is searched within its conversation (a scope filter, so
collection statistics are those of the whole store, as in a real memory store). Recall@10 is
the share of a question's evidence turns in its top 10, averaged over questions with evidence.

The ranking defaults (BM25 k1 = 1.2, b = 0.75; English stop words and Snowball stemming; fusion
weight 0.5 over max-normalised scores; candidate pool max(4·limit, 50)) were fixed from the
literature before this benchmark ran and were not tuned on it: see docs/hybrid.md.

Until the store integration lands, vector search here is an exact numpy scan and text search the
Rust `TextIndex` (the baseline of the timing rows is the same algorithm on the pure-Python
reference index). Run alone: `python -m benchmarks.bench_hybrid [--quick]`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import defaultdict
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


def _modules() -> tuple[Any, Any]:
    """(module with the Rust TextIndex/fuse, the reference module); Rust falls back to the reference."""
    from crewai_rust import _native
    from crewai_rust.memory import text as ref

    return (_native.core() if _native.rust_available() else ref), ref


def vector_top(vecs: np.ndarray, rows: np.ndarray | None, q: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Exact cosine top-k of `rows` (None = all; vectors are L2-normalised, so cosine = dot)."""
    if rows is None:
        scores = vecs @ q
        rows = np.arange(len(vecs))
    else:
        scores = vecs[rows] @ q
    k = min(k, len(rows))
    part = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
    order = sorted(part.tolist(), key=lambda i: (-float(scores[i]), int(rows[i])))
    return [(int(rows[i]), float(scores[i])) for i in order]


def hybrid_search(
    mod: Any, index: Any, vecs: np.ndarray, rows: np.ndarray | None, text: str, q: np.ndarray, limit: int
) -> list[tuple[int, float]]:
    """The engine's hybrid definition: union of both rankings' top pools, scored by both, fused."""
    pool = mod.candidate_pool(limit)
    allowed = None if rows is None else set(rows.tolist())
    by_text = [d for d, _ in index.search(text, pool, allowed)]
    by_vector = vector_top(vecs, rows, q, pool)
    docs = sorted(set(by_text) | {d for d, _ in by_vector})
    raw = index.scores(text, docs)
    cos = (vecs[docs] @ q).tolist() if docs else []
    return mod.fuse(list(zip(docs, raw, cos, strict=True)), mod.DEFAULT_TEXT_WEIGHT, limit)


def recall(found: list[int], evidence: set[int]) -> float:
    return len(evidence.intersection(found)) / len(evidence)


def lancedb_recall(
    data: Locomo, questions: list[tuple[int, set[int]]], tmp: str
) -> tuple[float, list[float], list[float]]:
    """crewai's default store: vector recall@10 and per-query seconds, scope = conversation."""
    from crewai.memory.storage.lancedb_storage import LanceDBStorage
    from crewai.memory.types import MemoryRecord

    store = LanceDBStorage(path=tmp, compact_every=0)
    records = [
        MemoryRecord(
            id=str(i), content=t["text"], scope=f"/locomo/{t['conv']}", embedding=data.turn_vecs[i].tolist()
        )
        for i, t in enumerate(data.turns)
    ]
    for start in range(0, len(records), 1000):
        store.save(records[start : start + 1000])
    rs, times = [], []
    for qi, evidence in questions:
        conv = data.questions[qi]["conv"]
        t0 = time.perf_counter()
        hits = store.search(data.question_vecs[qi].tolist(), scope_prefix=f"/locomo/{conv}", limit=LIMIT)
        times.append(time.perf_counter() - t0)
        rs.append(recall([int(r.id) for r, _ in hits], evidence))
    return float(np.mean(rs)), times, rs


def recall_rows(data: Locomo, quick: bool) -> list[Result]:
    mod, _ = _modules()
    dia = {(t["conv"], t["dia_id"]): i for i, t in enumerate(data.turns)}
    conv_rows: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(data.turns):
        conv_rows[t["conv"]].append(i)
    rows_of = {c: np.array(r) for c, r in conv_rows.items()}
    questions = []
    for qi, q in enumerate(data.questions):
        # Evidence ids the turns do not contain still count as missed (never found).
        evidence = {dia.get((q["conv"], e), -1 - k) for k, e in enumerate(q["evidence"])}
        if evidence:
            questions.append((qi, evidence))
    if quick:
        questions = questions[::5]
    harness.progress(f"hybrid: indexing {len(data.turns)} LoCoMo turns, {len(questions)} questions")
    index = mod.TextIndex()
    index.add_many([(i, t["text"]) for i, t in enumerate(data.turns)])
    r_vec, r_text, r_hyb, t_hyb, held_out = [], [], [], [], []
    for qi, evidence in questions:
        q = data.questions[qi]
        rows = rows_of[q["conv"]]
        qv = data.question_vecs[qi]
        held_out.append(q["conv"] not in DEV_CONVERSATIONS)
        r_vec.append(recall([d for d, _ in vector_top(data.turn_vecs, rows, qv, LIMIT)], evidence))
        allowed = set(rows.tolist())
        r_text.append(recall([d for d, _ in index.search(q["question"], LIMIT, allowed)], evidence))
        t0 = time.perf_counter()
        hits = hybrid_search(mod, index, data.turn_vecs, rows, q["question"], qv, LIMIT)
        t_hyb.append(time.perf_counter() - t0)
        r_hyb.append(recall([d for d, _ in hits], evidence))
    harness.progress("hybrid: crewai LanceDBStorage on the same turns")
    with tempfile.TemporaryDirectory() as tmp:
        r_lance, t_lance, r_lance_each = lancedb_recall(data, questions, tmp)
    ho = np.array(held_out)

    def mean(values: list[float], mask: np.ndarray | None = None) -> float:
        arr = np.array(values)
        return round(float(arr[mask].mean() if mask is not None else arr.mean()), 4)

    return [
        Result(
            AREA,
            "LoCoMo evidence recall@10 (hybrid search vs LanceDB vector search)",
            f"{len(data.turns)} turns, {len(questions)} questions",
            float(np.median(t_hyb)),
            float(np.median(t_lance)),
            "crewai LanceDBStorage",
            {
                "recall_vector": mean(r_vec),
                "recall_text": mean(r_text),
                "recall_hybrid": mean(r_hyb),
                "recall_lancedb_vector": round(r_lance, 4),
                "heldout_recall_vector": mean(r_vec, ho),
                "heldout_recall_text": mean(r_text, ho),
                "heldout_recall_hybrid": mean(r_hyb, ho),
                "heldout_recall_lancedb_vector": mean(r_lance_each, ho),
                "fusion_weight": mod.DEFAULT_TEXT_WEIGHT,
                "vector_search": "exact numpy scan (store integration pending)",
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
    mod, ref = _modules()
    n = 20_000 if quick else 100_000
    texts, vecs = synthetic(data, n)
    items = list(enumerate(texts))
    harness.progress(f"hybrid: building text indexes of {n} records (Rust, then the Python reference)")
    t0 = time.perf_counter()
    rust_index = mod.TextIndex()
    rust_index.add_many(items)
    rust_build = time.perf_counter() - t0
    build_n = min(n, 20_000)  # the reference is slow; its rate is measured on a prefix
    t0 = time.perf_counter()
    ref_index = ref.TextIndex()
    ref_index.add_many(items[:build_n])
    ref_build = (time.perf_counter() - t0) / build_n * n
    if build_n < n:
        ref_index.add_many(items[build_n:])
    queries = [(q["question"], data.question_vecs[i]) for i, q in enumerate(data.questions)]
    state = {"i": 0}

    def next_query() -> tuple[str, np.ndarray]:
        state["i"] = (state["i"] + 1) % len(queries)
        return queries[state["i"]]

    def rust_call() -> None:
        text, qv = next_query()
        hybrid_search(mod, rust_index, vecs, None, text, qv, LIMIT)

    def ref_call() -> None:
        text, qv = next_query()
        hybrid_search(ref, ref_index, vecs, None, text, qv, LIMIT)

    def rust_text_call() -> None:
        text, _ = next_query()
        rust_index.search(text, LIMIT)

    harness.progress(f"hybrid: hybrid search latency at N={n}")
    samples = 15 if quick else 40
    rust_t, ref_t = harness.compare(rust_call, ref_call, samples=samples, target_s=0.0)
    text_t = harness.measure(rust_text_call, samples=samples * 4, number=1)
    size = f"N={n:,}, dim {vecs.shape[1]}"
    return [
        Result(
            AREA,
            "hybrid search p50 (Rust BM25 + numpy exact vector, fused)",
            size,
            rust_t.median,
            ref_t.median,
            "Python reference BM25 + numpy",
            {"p99_ms": round(rust_t.p99 * 1e3, 3), "text_only_p50_ms": round(text_t.median * 1e3, 3)},
        ),
        Result(
            AREA,
            "text index build, per record",
            f"N={n:,} short records",
            rust_build / n,
            ref_build / n,
            "Python reference index",
            {"records_per_s": round(n / rust_build), "reference_records_per_s": round(n / ref_build)},
        ),
    ]


def run(quick: bool) -> list[Result]:
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
