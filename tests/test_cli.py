from __future__ import annotations

import json

import pytest

import crewai_rust
from crewai_rust import cli


def test_status_json(capsys):
    assert cli.main(["status", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rust_available"] is crewai_rust.RUST_AVAILABLE
    assert set(out["components"]) == {"memory", "tools", "serialization"}


def test_status_text_lists_components(capsys, monkeypatch):
    monkeypatch.setenv("CREWAI_USE_RUST_MEMORY", "false")
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("crewai-rust ")
    assert "memory         python  flag=false" in out


def test_unknown_command_exits_with_usage(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["frobnicate"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_help_describes_the_commands_that_exist(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "status" in out
    assert "migrate-memory" in out
    assert "bench" not in out


def test_status_with_a_misspelt_flag_names_it_without_a_traceback(capsys, monkeypatch):
    monkeypatch.setenv("CREWAI_USE_RUST_TOOLS", "ture")
    assert cli.main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crewai-rust status: CREWAI_USE_RUST_TOOLS='ture' is not a valid flag value")
    assert "Traceback" not in err
