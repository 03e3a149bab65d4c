"""Language identification with a confidence, so no model ever runs on text in another language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from py3langid.langid import LanguageIdentifier

from precis.core.document import Language
from precis.core.langid_cache import default_cache_dir, load_identifier, packed_identifier

UNDETERMINED = "und"
MIN_CONFIDENCE = 0.5
_SAMPLE_CHARS = 4000


@lru_cache(maxsize=2)
def identifier(cache_dir: Path | None = None, packed_dir: Path | None = None) -> LanguageIdentifier:
    """The py3langid model (140 languages), loaded once with normalised probabilities: from `packed_dir`
    when the caller has one (a read-only folder, see langid_cache.pack), else through the cache."""
    if packed_dir is not None:
        return packed_identifier(packed_dir)
    return load_identifier(cache_dir or default_cache_dir())


def detect_language(text: str, cache_dir: Path | None = None, packed_dir: Path | None = None) -> Language:
    """The most probable language of the text; `und` below MIN_CONFIDENCE rather than a wrong guess."""
    code, probability = identifier(cache_dir, packed_dir).classify(text[:_SAMPLE_CHARS])
    confidence = round(float(probability), 4)
    return Language(code=code if confidence >= MIN_CONFIDENCE else UNDETERMINED, confidence=confidence)
