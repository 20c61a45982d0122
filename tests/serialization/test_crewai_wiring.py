"""crewai's task-output storage and flow persistence through the patched `json`, compared with
an unpatched run row for row, byte for byte."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from crewai.flow.async_feedback.types import PendingFeedbackContext
from crewai.flow.persistence import sqlite as flow_sqlite
from crewai.flow.persistence.sqlite import SQLiteFlowPersistence
from crewai.memory.storage import kickoff_task_outputs_storage as kickoff_module
from crewai.memory.storage.kickoff_task_outputs_storage import KickoffTaskOutputsSQLiteStorage
from crewai.task import Task
from pydantic import BaseModel
from serialization_strategies import Color, Inner, Status

import crewai_rust
from crewai_rust.integration import PatchSet
from crewai_rust.integration.serialization import JSONShim, patches
from crewai_rust.serialization import implementation

WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)


class FlowState(BaseModel):
    id: str = "flow-1"
    counter: int = 3
    started: datetime = WHEN
    owner: uuid.UUID = uuid.UUID(int=42)
    color: Color = Color.RED
    notes: list[str] = ["é", "😀", 'q"']
    payload: dict[str, Any] = {"ratio": 0.1, "big": 2**70, "nested": {"x": [1.5e300, -0.0]}}


TASK = Task(description="Summarise the report", expected_output="A summary")


def _kickoff_rows(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT task_id, task_key, expected_output, output, task_index, inputs, was_replayed"
            " FROM latest_kickoff_task_outputs ORDER BY task_index"
        ).fetchall()


def _flow_rows(db: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with sqlite3.connect(db) as conn:
        states = conn.execute(
            "SELECT flow_uuid, method_name, state_json FROM flow_states ORDER BY id"
        ).fetchall()
        pending = conn.execute("SELECT flow_uuid, context_json, state_json FROM pending_feedback").fetchall()
    return states, pending


def _run_kickoff(db: Path) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
    storage = KickoffTaskOutputsSQLiteStorage(db_path=str(db))
    output = {
        "description": "Summarise the report",
        "raw": "Résumé: 😀 " + "x" * 2000,
        "json_dict": {"score": 0.75, "items": [1, 2, 3], "when": WHEN},
        "pydantic": Inner(x=1, when=WHEN, note="é"),
        "id": uuid.UUID(int=7),
        "amount": Decimal("12.50"),
        "status": Status.DONE,
        "blob": b"\x00\x01binary",
    }
    inputs = {"topic": "AI", "year": 2024, "tags": ("a", "b"), "ratio": 1e-05}
    storage.add(TASK, output, task_index=0, inputs=inputs)
    storage.add(TASK.model_copy(update={"id": uuid.UUID(int=99)}), {"raw": "second"}, task_index=1)
    storage.update(1, output={"raw": "updated", "when": WHEN, "n": float("inf")}, was_replayed=True)
    return _kickoff_rows(db), [{k: v for k, v in r.items() if k != "timestamp"} for r in storage.load()]


def _run_flow(db: Path) -> tuple[Any, ...]:
    persistence = SQLiteFlowPersistence(str(db))
    persistence.save_state("flow-1", "start", FlowState())
    persistence.save_state(
        "flow-1", "step", {"plain": True, "when": WHEN, "items": {1, 2}, "model": FlowState()}
    )
    context = PendingFeedbackContext(
        flow_id="flow-1",
        flow_class="tests.Flow",
        method_name="review",
        method_output={"draft": "Ébauche", "score": 0.5},
        message="Please review",
        emit=["approved", "rejected"],
        requested_at=WHEN.replace(tzinfo=None),
    )
    persistence.save_pending_feedback("flow-1", context, FlowState(counter=4))
    loaded_state = persistence.load_state("flow-1")
    pending = persistence.load_pending_feedback("flow-1")
    assert pending is not None
    return _flow_rows(db), loaded_state, pending[0], pending[1].to_dict()


def test_round_trips_match_an_unpatched_run_byte_for_byte(impl: str, tmp_path: Path) -> None:
    baseline_kickoff = _run_kickoff(tmp_path / "kickoff-baseline.db")
    baseline_flow = _run_flow(tmp_path / "flow-baseline.db")

    active = PatchSet()
    active.apply(patches(impl=implementation(impl)))
    try:
        assert isinstance(kickoff_module.json, JSONShim)
        assert isinstance(flow_sqlite.json, JSONShim)
        patched_kickoff = _run_kickoff(tmp_path / "kickoff-patched.db")
        patched_flow = _run_flow(tmp_path / "flow-patched.db")
    finally:
        active.restore()
    assert kickoff_module.json is json
    assert flow_sqlite.json is json

    assert patched_kickoff[0] == baseline_kickoff[0]  # stored rows, byte for byte
    assert patched_kickoff[1] == baseline_kickoff[1]  # what load() returns
    assert patched_flow[0] == baseline_flow[0]
    assert patched_flow[1:] == baseline_flow[1:]
    # The comparison covered real content: crewai's encoder rules were exercised.
    assert '"blob": "AAFiaW5hcnk="' in baseline_kickoff[0][0][3]
    assert "2024-05-06T07:08:09.123456+00:00" in baseline_flow[0][0][1][2]


def test_shim_sends_other_calls_to_the_real_json(impl: str) -> None:
    shim = JSONShim(implementation(impl))
    assert shim.JSONDecodeError is json.JSONDecodeError
    # Plain json.dumps semantics (no cls): unknown types are still a TypeError.
    with pytest.raises(TypeError, match="Object of type datetime is not JSON serializable"):
        shim.dumps({"t": WHEN})
    assert shim.dumps([1, {"a": 2}], cls=json.JSONEncoder, indent=1) == json.dumps([1, {"a": 2}], indent=1)
    assert shim.loads('{"a": 1.0}', parse_float=Decimal) == {"a": Decimal("1.0")}
    assert shim.loads('{"a": [1, 2]}') == {"a": [1, 2]}


@pytest.mark.requires_extension
def test_install_and_uninstall_wire_and_restore_crewai(tmp_path: Path) -> None:
    wired = crewai_rust.install(serialization=True, memory=False, tools=False)
    assert "serialization" in wired
    assert isinstance(kickoff_module.json, JSONShim)
    assert isinstance(flow_sqlite.json, JSONShim)
    assert any(p.endswith("kickoff_task_outputs_storage.json") for p in crewai_rust.status()["patched"])
    crewai_rust.uninstall()
    assert kickoff_module.json is json
    assert flow_sqlite.json is json


def test_install_respects_a_disabled_flag() -> None:
    crewai_rust.install(serialization=False, memory=False, tools=False)
    assert kickoff_module.json is json
    assert flow_sqlite.json is json
