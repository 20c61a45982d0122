from __future__ import annotations

import pytest

from crewai_rust import flags


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", "true"),
        ("TRUE", "true"),
        ("1", "true"),
        ("Yes", "true"),
        (" on ", "true"),
        ("false", "false"),
        ("0", "false"),
        ("NO", "false"),
        ("off", "false"),
        ("auto", "auto"),
        ("AUTO", "auto"),
        ("", "auto"),
        (True, "true"),
        (False, "false"),
    ],
)
def test_parse_flag_accepts_documented_spellings(raw, expected):
    assert flags.parse_flag(raw, name="X") == expected


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "enable"])
def test_unknown_value_names_variable_and_accepted_values(monkeypatch, raw):
    monkeypatch.setenv("CREWAI_USE_RUST_TOOLS", raw)
    with pytest.raises(ValueError, match="CREWAI_USE_RUST_TOOLS") as info:
        flags.value("tools")
    assert "accepted values" in str(info.value)
    assert repr(raw) in str(info.value)


def test_environment_is_read_per_component(monkeypatch):
    monkeypatch.setenv("CREWAI_USE_RUST_MEMORY", "false")
    monkeypatch.setenv("CREWAI_USE_RUST_SERIALIZATION", "yes")
    monkeypatch.delenv("CREWAI_USE_RUST_TOOLS", raising=False)
    assert flags.value("memory") == "false"
    assert flags.value("serialization") == "true"
    assert flags.value("tools") == "auto"


def test_configure_overrides_environment_and_reset_restores_it(monkeypatch):
    monkeypatch.setenv("CREWAI_USE_RUST_MEMORY", "false")
    flags.configure(memory=True)
    assert flags.value("memory") == "true"
    flags.configure(memory="no")
    assert flags.value("memory") == "false"
    flags.reset()
    monkeypatch.setenv("CREWAI_USE_RUST_MEMORY", "1")
    assert flags.value("memory") == "true"


def test_configure_rejects_bad_values_without_partial_update():
    with pytest.raises(ValueError, match="tools"):
        flags.configure(memory=False, tools="sometimes")
    assert flags.value("memory") == "auto"
    with pytest.raises(TypeError):
        flags.configure(memory=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="between 0 and 1"):
        flags.configure(ab_sample=1.5)


@pytest.mark.parametrize("rate", ["0.5", True, [0.5]])
def test_configure_refuses_a_rate_that_is_not_a_number(rate):
    # Regression: "0.5" was parsed, True became 1.0, and a non-numeric str failed with
    # float()'s message, which does not say which argument was wrong.
    with pytest.raises(TypeError, match="ab_sample must be a number between 0 and 1"):
        flags.configure(ab_sample=rate)
    assert flags.ab_sample() == 0.0


def test_is_enabled_needs_the_extension():
    flags.configure(memory="true", tools="auto", serialization="false")
    assert flags.is_enabled("memory", rust_available=True)
    assert flags.is_enabled("tools", rust_available=True)
    assert not flags.is_enabled("serialization", rust_available=True)
    assert not flags.is_enabled("memory", rust_available=False)


def test_unknown_component_is_rejected():
    with pytest.raises(ValueError, match="unknown component 'vectors'"):
        flags.value("vectors")


def test_ab_sample_from_environment(monkeypatch):
    monkeypatch.setenv("CREWAI_RUST_AB_SAMPLE", "0.25")
    assert flags.ab_sample() == 0.25
    monkeypatch.setenv("CREWAI_RUST_AB_SAMPLE", "lots")
    with pytest.raises(ValueError, match="CREWAI_RUST_AB_SAMPLE"):
        flags.ab_sample()


def test_hybrid_flag(monkeypatch):
    monkeypatch.delenv("CREWAI_RUST_HYBRID_RECALL", raising=False)
    assert flags.hybrid_recall() is False
    monkeypatch.setenv("CREWAI_RUST_HYBRID_RECALL", "TRUE")
    assert flags.hybrid_recall() is True
    flags.configure(hybrid=False)
    assert flags.hybrid_recall() is False
