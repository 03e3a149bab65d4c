"""Language identification with a confidence, so no model ever runs on text in another language."""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from precis.core.document import Language

UNDETERMINED = "und"
MIN_CONFIDENCE = 0.5
_SAMPLE_CHARS = 4000


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """The py3langid model (97 languages, ~4 MB), loaded once with normalised probabilities."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> Language:
    """The most probable language of the text; `und` below MIN_CONFIDENCE rather than a wrong guess."""
    code, probability = _identifier().classify(text[:_SAMPLE_CHARS])
    confidence = round(float(probability), 4)
    return Language(code=code if confidence >= MIN_CONFIDENCE else UNDETERMINED, confidence=confidence)
