"""spaCy imported without its CLI (precis.core.lean_spacy): none of it loaded, the CLI still importable."""

from __future__ import annotations

import json
import subprocess
import sys

from precis.aws.settings import DEFAULT_MODEL

SCRIPT = """
import json, sys
from precis.core.lean_spacy import import_spacy
spacy = import_spacy()
loaded = sorted({name.split(".")[0] for name in sys.modules} & {"typer", "weasel", "httpx", "jinja2", "rich"})
cli_loaded = "spacy.cli" in sys.modules
nlp = spacy.load(sys.argv[1], exclude=["parser", "lemmatizer"])
doc = nlp("Emmanuel Macron a rencontré Olaf Scholz à Berlin.")
import spacy.cli
print(json.dumps({
    "loaded": loaded,
    "cli_loaded": cli_loaded,
    "entities": [(e.text, e.label_) for e in doc.ents],
    "real_cli": hasattr(spacy.cli, "download"),
    "info": callable(spacy.info),
}))
"""


def test_lean_spacy_imports_no_cli_and_leaves_it_importable() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, DEFAULT_MODEL], capture_output=True, text=True, timeout=300, check=True
    )
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["loaded"] == []
    assert report["cli_loaded"] is False
    assert ("Berlin", "LOC") in [tuple(entity) for entity in report["entities"]]
    assert report["real_cli"] and report["info"]
