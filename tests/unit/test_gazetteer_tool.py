"""The shipped gazetteer is exactly what tools/gazetteer.py makes from pycountry and its curated tables."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pycountry")

from tools import gazetteer


def test_gazetteer_tool_committed_file_is_current() -> None:
    assert gazetteer.OUTPUT.read_text(encoding="utf-8") == gazetteer.render()


def test_gazetteer_tool_names_every_iso_country_once() -> None:
    data = json.loads(gazetteer.render())
    codes = [entry["country"] for entry in data["names"] if entry["type"] == "LOC"]
    assert len(codes) == len(set(codes)) >= 249
    assert "source" in data and "pycountry" in data["source"]


def test_gazetteer_tool_refuses_a_form_naming_two_things() -> None:
    entries = [
        {"name": "Congo", "variants": []},
        {"name": "République du Congo", "variants": ["Congo"]},
    ]
    with pytest.raises(ValueError, match="Congo"):
        gazetteer._check_unique(entries)


@pytest.mark.parametrize(
    ("masculine", "forms"),
    [
        ("européen", {"europeen", "europeenne", "europeens", "europeennes"}),
        ("français", {"francais", "francaise", "francaises"}),
        ("grec/grecque", {"grec", "grecque", "grecs", "grecques"}),
    ],
)
def test_gazetteer_tool_derives_both_genders_and_numbers(
    monkeypatch: pytest.MonkeyPatch, masculine: str, forms: set[str]
) -> None:
    monkeypatch.setattr(gazetteer, "DEMONYMS", [masculine])
    assert set(gazetteer.demonym_forms(set())) == forms
