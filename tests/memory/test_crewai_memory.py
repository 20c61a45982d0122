"""crewai's own `Memory` end to end on `RustStorage` (both engines): remember, recall shallow and
deep (a scripted LLM, a deterministic embedder), forget, update, consolidation, scope and slice
views, tree/info, reset, and two `Memory` objects on one path."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from crewai.memory.analyze import ConsolidationAction, ConsolidationPlan, MemoryAnalysis, QueryAnalysis
from crewai.memory.unified_memory import Memory

from crewai_rust.memory import RustStorage

pytestmark = pytest.mark.crewai


class ScriptedLLM:
    """What crewai's memory asks an LLM, answered from a script; every call is recorded."""

    def __init__(self) -> None:
        self.query_analysis: QueryAnalysis | None = None
        self.save_analysis = MemoryAnalysis(suggested_scope="/inferred", categories=["auto"], importance=0.3)
        self.plan: ConsolidationPlan | None = None
        self.exploration_reply = "Nothing else is needed."
        self.calls: list[tuple[str, str]] = []

    def supports_function_calling(self) -> bool:
        return True

    def call(self, messages: list[dict[str, Any]], response_model: Any = None, **_: Any) -> Any:
        text = messages[-1]["content"]
        if response_model is QueryAnalysis:
            self.calls.append(("query", text))
            assert self.query_analysis is not None, "unexpected query analysis"
            return self.query_analysis
        if response_model is MemoryAnalysis:
            self.calls.append(("save", text))
            return self.save_analysis
        if response_model is ConsolidationPlan:
            self.calls.append(("consolidate", text))
            assert self.plan is not None, "unexpected consolidation"
            return self.plan
        self.calls.append(("explore", text))
        return self.exploration_reply


@pytest.fixture
def llm() -> ScriptedLLM:
    return ScriptedLLM()


@pytest.fixture
def memory_factory(impl, tmp_path, llm, embedder):
    made: list[Memory] = []

    def make(path=None, **kwargs) -> Memory:
        storage = RustStorage(path or tmp_path / "mem", impl=impl)
        m = Memory(storage=storage, llm=llm, embedder=embedder, **kwargs)
        made.append(m)
        return m

    yield make
    for m in made:
        m.close()


@pytest.fixture
def memory(memory_factory) -> Memory:
    return memory_factory()


FACTS = [
    ("The team chose Postgres as the primary database", "/project/alpha", ["decision", "database"], 0.9),
    ("Deploys happen every Tuesday afternoon", "/project/alpha/ops", ["process"], 0.6),
    ("Alice prefers short status reports", "/people/alice", ["preference"], 0.4),
    ("The beta project uses a Redis cache", "/project/beta", ["database"], 0.7),
]


def _remember_all(memory: Memory) -> dict[str, Any]:
    out = {}
    for content, scope, cats, importance in FACTS:
        rec = memory.remember(
            content, scope=scope, categories=cats, importance=importance, metadata={"src": "t"}
        )
        out[content] = rec
    return out


def test_remember_with_explicit_fields_needs_no_llm(memory, llm):
    saved = _remember_all(memory)
    assert llm.calls == []
    rec = saved[FACTS[0][0]]
    stored = memory._storage.get_record(rec.id)
    assert (stored.scope, stored.categories, stored.importance, stored.metadata) == (
        "/project/alpha",
        ["decision", "database"],
        0.9,
        {"src": "t"},
    )
    assert stored.embedding is not None
    assert memory.info("/").record_count == 4


def test_remember_with_inferred_fields_uses_the_llm(memory, llm):
    rec = memory.remember("Bob joined the platform team")
    assert [kind for kind, _ in llm.calls] == ["save"]
    stored = memory._storage.get_record(rec.id)
    assert (stored.scope, stored.categories, stored.importance) == ("/inferred", ["auto"], 0.3)


def test_shallow_recall_ranks_and_filters(memory):
    _remember_all(memory)
    matches = memory.recall("which database did the team choose", depth="shallow", limit=2)
    assert matches[0].record.content == FACTS[0][0]
    assert len(matches) == 2
    assert matches[0].score >= matches[1].score
    scoped = memory.recall("database", scope="/project/beta", depth="shallow")
    assert [m.record.content for m in scoped] == [FACTS[3][0]]
    by_cat = memory.recall("database", categories=["preference"], depth="shallow")
    assert [m.record.content for m in by_cat] == [FACTS[2][0]]


def test_recall_touches_the_returned_records(memory):
    saved = _remember_all(memory)
    rec = saved[FACTS[2][0]]
    before = memory._storage.get_record(rec.id).last_accessed
    memory.recall("Alice status reports", scope="/people", depth="shallow")
    assert memory._storage.get_record(rec.id).last_accessed >= before


def test_private_records_follow_crewai_rules(memory):
    memory.remember("secret plan", scope="/s", categories=[], importance=0.5, source="u1", private=True)
    memory.remember("public plan", scope="/s", categories=[], importance=0.5)
    assert [m.record.content for m in memory.recall("plan", depth="shallow")] == ["public plan"]
    mine = {m.record.content for m in memory.recall("plan", depth="shallow", source="u1")}
    assert mine == {"secret plan", "public plan"}


def test_deep_recall_with_llm_analysis_and_exploration(memory_factory, llm):
    # A confidence bar no result reaches, so the flow always takes its exploration round.
    memory = memory_factory(complex_query_threshold=0.99)
    _remember_all(memory)
    llm.query_analysis = QueryAnalysis(
        keywords=["database"],
        suggested_scopes=["/project/alpha"],
        complexity="complex",
        recall_queries=["primary database chosen by the team"],
    )
    llm.exploration_reply = "The deployment date is missing."
    long_query = "Summarise everything we decided about storage. " * 6  # over the analysis threshold
    matches = memory.recall(long_query, depth="deep", limit=3)
    kinds = [k for k, _ in llm.calls]
    assert kinds[0] == "query"
    assert "explore" in kinds
    explore_prompt = next(t for k, t in llm.calls if k == "explore")
    assert FACTS[0][0] in explore_prompt
    assert matches[0].record.content == FACTS[0][0]
    assert all(m.record.scope.startswith("/project/alpha") for m in matches)
    assert matches[0].evidence_gaps == ["The deployment date is missing."]


def test_deep_recall_short_query_searches_child_scopes(memory, llm):
    _remember_all(memory)
    matches = memory.recall("Redis cache", depth="deep", limit=5)
    assert llm.calls == [] or all(k == "explore" for k, _ in llm.calls)
    assert matches[0].record.content == FACTS[3][0]
    assert len({m.record.id for m in matches}) == len(matches)


def test_consolidation_updates_through_storage(memory, llm):
    saved = _remember_all(memory)
    original = saved[FACTS[0][0]]
    llm.plan = ConsolidationPlan(
        actions=[
            ConsolidationAction(
                action="update",
                record_id=original.id,
                new_content="The team chose Postgres 16 as the primary database",
            )
        ],
        insert_new=False,
    )
    result = memory.remember(FACTS[0][0], scope="/project/alpha", categories=["decision"], importance=0.9)
    assert [k for k, _ in llm.calls] == ["consolidate"]
    assert result.id == original.id
    stored = memory._storage.get_record(original.id)
    assert stored.content == "The team chose Postgres 16 as the primary database"
    assert stored.created_at == original.created_at
    assert memory.info("/").record_count == 4


def test_update_and_forget(memory):
    saved = _remember_all(memory)
    rec = saved[FACTS[1][0]]
    updated = memory.update(
        rec.id, content="Deploys happen every Thursday", importance=0.8, categories=["ops"]
    )
    stored = memory._storage.get_record(rec.id)
    assert (stored.content, stored.importance, stored.categories) == (
        "Deploys happen every Thursday",
        0.8,
        ["ops"],
    )
    assert stored.embedding == pytest.approx(updated.embedding, abs=1e-6)  # stored as float32
    assert stored.embedding != pytest.approx(rec.embedding, abs=1e-3)
    with pytest.raises(ValueError, match="Record not found"):
        memory.update("no-such-id", content="x")
    assert memory.forget(scope="/project/alpha") == 2
    assert memory.info("/").record_count == 2
    assert memory.forget(categories=["database"]) == 1
    assert memory.forget(record_ids=[saved[FACTS[2][0]].id]) == 1
    assert memory.info("/").record_count == 0


def test_forget_older_than_and_metadata(memory):
    _remember_all(memory)
    assert (
        memory.forget(older_than=datetime.utcnow() + timedelta(hours=1), metadata_filter={"src": "other"})
        == 0
    )
    assert memory.forget(older_than=datetime.utcnow() - timedelta(hours=1)) == 0
    assert memory.forget(metadata_filter={"src": "t"}, scope="/people") == 1


def test_scope_view(memory):
    _remember_all(memory)
    alpha = memory.scope("/project/alpha")
    rec = alpha.remember("Rollbacks need two approvals", scope="/ops", categories=["process"], importance=0.5)
    assert memory._storage.get_record(rec.id).scope == "/project/alpha/ops"
    assert {m.record.content for m in alpha.recall("deploys approvals", depth="shallow")} <= {
        FACTS[0][0],
        FACTS[1][0],
        "Rollbacks need two approvals",
    }
    assert alpha.list_scopes() == ["/project/alpha/ops"]
    assert alpha.info().record_count == 3
    assert alpha.list_categories() == {"decision": 1, "database": 1, "process": 2}
    assert "/project/alpha/ops (2 records)" in alpha.tree()
    alpha.reset("/ops")
    assert alpha.info().record_count == 1
    assert memory.info("/").record_count == 3


def test_slice_view(memory):
    _remember_all(memory)
    sl = memory.slice(["/project/beta", "/people"])
    contents = {m.record.content for m in sl.recall("database cache preferences", depth="shallow", limit=10)}
    assert contents == {FACTS[2][0], FACTS[3][0]}
    assert sl.info().record_count == 2
    assert sl.list_categories() == {"database": 1, "preference": 1}
    assert sl.remember("ignored", scope="/people") is None


def test_tree_info_and_categories(memory):
    _remember_all(memory)
    tree = memory.tree()
    assert tree.splitlines()[0] == "/ (4 records)"
    assert "  /project (3 records)" in tree
    assert "    /project/alpha (2 records)" in tree
    assert "      /project/alpha/ops (1 records)" in tree
    info = memory.info("/project")
    assert info.child_scopes == ["/project/alpha", "/project/beta"]
    assert info.categories == ["database", "decision", "process"]
    assert memory.list_categories() == {"decision": 1, "database": 2, "process": 1, "preference": 1}
    assert memory.list_scopes() == ["/people", "/project"]
    assert [r.content for r in memory.list_records(scope="/project/alpha")] == [FACTS[1][0], FACTS[0][0]]


def test_reset(memory):
    _remember_all(memory)
    memory.reset(scope="/project")
    assert memory.info("/").record_count == 1
    memory.reset()
    assert memory.info("/").record_count == 0
    assert memory._storage.vector_dim is None


def test_root_scope(memory_factory):
    m = memory_factory(root_scope="/crew/research")
    rec = m.remember("Findings are stored weekly", scope="/notes", categories=[], importance=0.5)
    assert m._storage.get_record(rec.id).scope == "/crew/research/notes"
    assert m.list_scopes() == ["/crew/research/notes"]
    assert [x.record.id for x in m.recall("weekly findings", depth="shallow")] == [rec.id]


def test_two_memories_on_one_path(memory_factory, tmp_path):
    first = memory_factory(tmp_path / "shared")
    second = memory_factory(tmp_path / "shared")
    rec = first.remember(
        "Shared knowledge about Kafka topics", scope="/s", categories=["infra"], importance=0.5
    )
    matches = second.recall("Kafka topics", depth="shallow")
    assert [m.record.id for m in matches] == [rec.id]
    second.forget(record_ids=[rec.id])
    assert first.recall("Kafka topics", depth="shallow") == []
    second.remember_many(
        ["Batch item one about queues", "Batch item two about streams"],
        scope="/b",
        categories=[],
        importance=0.5,
    )
    second.drain_writes()
    assert first.info("/b").record_count == 2


def test_metadata_survives_exactly(memory):
    meta = {"z": [1, {"k": None}], "a": 1.5, "unicode": "ü"}
    rec = memory.remember("meta check", scope="/m", categories=["c"], importance=0.5, metadata=meta)
    got = memory._storage.get_record(rec.id)
    assert json.dumps(got.metadata) == json.dumps(meta)
