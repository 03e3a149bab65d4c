"""spaCy without its command line: `import spacy` loads the CLI (typer, weasel, httpx, rich) for one name.

`spacy/__init__.py` runs `from .cli.info import info` so that `spacy.info` exists; importing `spacy.cli`
imports every command and their libraries, about a fifth of `import spacy`, which a process that only
loads a model never uses. During the import, `spacy.cli` and `spacy.cli.info` are stand-ins that give
`spacy.info` a function importing the real command when called; afterwards they are gone, so a later
`import spacy.cli` is the real one. Nothing else in spaCy imports its CLI, so models load and run as ever.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

_STAND_INS = ("spacy.cli", "spacy.cli.info")


def import_spacy() -> ModuleType:
    """`spacy`, imported without its CLI unless something imported it already."""
    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    package, info = ModuleType(_STAND_INS[0]), ModuleType(_STAND_INS[1])
    package.__path__ = []
    info.info = _info  # type: ignore[attr-defined]
    sys.modules.update(zip(_STAND_INS, (package, info), strict=True))
    try:
        return importlib.import_module("spacy")
    finally:
        for name in _STAND_INS:
            if sys.modules.get(name) in (package, info):
                del sys.modules[name]


def _info(*args: Any, **kwargs: Any) -> Any:
    """`spacy.info`, importing spaCy's CLI only when someone asks for it."""
    from spacy.cli.info import info

    return info(*args, **kwargs)
