"""The pure core: bytes or text in, summary document out (spaCy and the standard library only)."""

from precis.core.document import SCHEMA_VERSION, Document, Entity, ModelInfo
from precis.core.errors import ArticleError
from precis.core.pipeline import PIPELINE_VERSION, Summariser

__all__ = [
    "PIPELINE_VERSION",
    "SCHEMA_VERSION",
    "ArticleError",
    "Document",
    "Entity",
    "ModelInfo",
    "Summariser",
]
