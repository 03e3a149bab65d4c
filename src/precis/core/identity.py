"""Stable identities for entities across articles: the key under which the query index files a name.

Standard library only, so the query side (HTTP API, CLI) folds a searched name exactly as the core folded
the stored one without loading spaCy.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile(r"['’`]")
_NOT_WORD = re.compile(r"[^\w]+")


def fingerprint(text: str) -> str:
    """`États-Unis`, `etats unis` and `ETATS-UNIS` all give `etats unis`: accents, case, apostrophes gone.

    NFKD then dropping combining marks removes accents; apostrophes vanish (`d'Ormesson` -> `dormesson`),
    any other run of non-word characters becomes one space, and the result is lowercased and trimmed.
    """
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    folded = _APOSTROPHES.sub("", folded.lower())
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def entity_id(entity_type: str, name: str) -> str:
    """`LOC:etats unis`: the type and the fingerprint of the canonical name, the same in every article."""
    return f"{entity_type}:{fingerprint(name)}"
