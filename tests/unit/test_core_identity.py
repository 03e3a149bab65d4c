"""Entity fingerprints: the same key for every way of writing a name, and a different one for other names."""

from __future__ import annotations

import pytest

from precis.core.identity import entity_id, fingerprint


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
