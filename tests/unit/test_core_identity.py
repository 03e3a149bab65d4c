"""Entity fingerprints: the same key for every way of writing a name, and a different one for other names."""

from __future__ import annotations

import subprocess
import sys

import pytest

from precis.core.identity import KnownName, entity_id, fingerprint, gazetteer, known_name, search_fingerprints


@pytest.mark.parametrize(
    "written",
    ["États-Unis", "etats unis", "ETATS-UNIS", "  États   Unis ", "Etats\u2011Unis", "E\u0301tats-Unis"],
)
def test_identity_fingerprint_ignores_case_accents_hyphens_and_spacing(written: str) -> None:
    assert fingerprint(written) == "etats unis"


def test_identity_fingerprint_drops_apostrophes_inside_names() -> None:
    assert fingerprint("Jean d’Ormesson") == fingerprint("Jean d'Ormesson") == "jean dormesson"


def test_identity_entity_id_keeps_types_apart() -> None:
    assert entity_id("LOC", "Washington") != entity_id("PER", "Washington")
    assert entity_id("LOC", "États-Unis") == "LOC:etats unis"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("USA", ["usa", "etats unis"]),
        ("U.S.", ["u s", "etats unis"]),
        ("Etats Unis", ["etats unis"]),
        ("états-unis d’Amérique", ["etats unis damerique", "etats unis"]),
        ("NATO", ["nato", "otan"]),
        ("Mark Rutte", ["mark rutte"]),
        ("  ", []),
        ("…", []),
    ],
)
def test_identity_search_fingerprints_add_the_canonical_name(typed: str, expected: list[str]) -> None:
    assert search_fingerprints(typed) == expected


def test_identity_search_fingerprints_find_what_the_core_stores() -> None:
    """An article that says `USA` stores `LOC:etats unis`: the query for `USA` must reach that key."""
    stored = entity_id("LOC", known_name("USA").name)  # type: ignore[union-attr]
    assert stored == "LOC:etats unis"
    assert stored.split(":", 1)[1] in search_fingerprints("USA")


@pytest.mark.parametrize(
    ("written", "name", "kind", "country"),
    [
        ("USA", "États-Unis", "LOC", "US"),
        ("Etats Unis", "États-Unis", "LOC", "US"),
        ("Grande-Bretagne", "Royaume-Uni", "LOC", "GB"),
        ("Fédération de Russie", "Russie", "LOC", "RU"),
        ("république française", "France", "LOC", "FR"),
        ("Nations unies", "ONU", "ORG", None),
        ("UE", "Union européenne", "ORG", None),
    ],
)
def test_identity_known_names_have_one_canonical_form(
    written: str, name: str, kind: str, country: str
) -> None:
    assert known_name(written) == KnownName(name, kind, country, scan=True)


def test_identity_unknown_names_and_ambiguous_countries() -> None:
    assert known_name("Bruxelles") is None
    assert known_name("Maurice") == KnownName("Maurice", "LOC", "MU", scan=False)


def test_identity_nationality_words_are_not_names() -> None:
    demonyms = gazetteer().demonyms
    assert {"europeens", "americaine", "allemands", "francais", "suisses"} <= demonyms
    assert "suisse" not in demonyms  # the country's name


def test_identity_imports_no_spacy() -> None:
    """The query side imports identity without the NLP stack: a fresh interpreter proves it."""
    code = (
        "import sys, precis.core.identity as i; i.search_fingerprints('USA'); print('spacy' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
