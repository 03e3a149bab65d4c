"""The built function and layers (`make build`) must run spaCy under a real Python 3.12, as Lambda would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from precis.aws.settings import DEFAULT_MODEL

HERE = Path(__file__).resolve().parent
BUILD = HERE / "../../.aws-sam/build"
SEED = HERE / "../../seeds/fr-03.txt"
MODEL = DEFAULT_MODEL
LAYER_DIRS = ("SummariseFunction", "NlpLayer/python", "FrCoreNewsSmLayer/python")

SPACY_SCRIPT = """
import importlib.util, json, sys
import spacy
nlp = spacy.load(sys.argv[1])
doc = nlp(open(sys.argv[2], encoding="utf-8").read())
print(json.dumps({
    "spacy": spacy.__file__,
    "pyc": importlib.util.cache_from_source(spacy.__file__),
    "tokens": len(doc),
    "entities": len(doc.ents),
}))
"""

CORE_SCRIPT = """
import json, sys
from precis.core.pipeline import Summariser
document = Summariser.load({"fr": sys.argv[1]}).summarise(open(sys.argv[2], "rb").read())
print(json.dumps(document.to_dict()))
"""


def python312() -> str | None:
    """python3.12 on PATH, else pyenv's 3.12: never required, since CI machines may have neither."""
    candidates = [shutil.which("python3.12")]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False).stdout.strip()
        candidates += sorted(str(path) for path in Path(root).glob("versions/3.12*/bin/python3.12"))
    for candidate in filter(None, candidates):
        probe = [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"]
        if subprocess.run(probe, capture_output=True, text=True, check=False).stdout.strip() == "True":
            return candidate
    return None


@pytest.fixture(scope="module")
def run_built() -> object:
    """Runs a script with only the built artifacts on sys.path (-S drops site-packages, as on Lambda)."""
    missing = [name for name in LAYER_DIRS if not (BUILD / name).is_dir()]
    if missing:
        pytest.skip(f"no build output ({', '.join(missing)} missing under .aws-sam/build): run `make build`")
    interpreter = python312()
    if interpreter is None:
        pytest.skip("no Python 3.12 interpreter (python3.12 or pyenv 3.12.x) to run the python3.12 layers")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(str((BUILD / name).resolve()) for name in LAYER_DIRS),
        "PYTHONDONTWRITEBYTECODE": "1",
    }

    def run(script: str) -> dict:
        """Returns the script's JSON output, or fails with its stderr."""
        command = [interpreter, "-S", "-c", script, MODEL, str(SEED.resolve())]
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout)

    return run


def test_layer_smoke_spacy_runs_the_model_from_the_layer(run_built) -> None:
    report = run_built(SPACY_SCRIPT)
    assert Path(report["spacy"]).is_relative_to((BUILD / "NlpLayer/python").resolve())
    assert report["tokens"] > 500
    assert report["entities"] > 0


def test_layer_smoke_layer_ships_python312_bytecode(run_built) -> None:
    report = run_built(SPACY_SCRIPT)
    assert Path(report["pyc"]).is_file(), "make build found no python3.12 to compile the layer's .pyc"


def test_layer_smoke_function_package_summarises_the_seed(run_built) -> None:
    document = run_built(CORE_SCRIPT)
    assert document["entities"]
    assert document["summary"]


def test_layer_smoke_function_ships_only_its_entry_point_core_and_aws_shell() -> None:
    function = BUILD / "SummariseFunction"
    if not function.is_dir():
        pytest.skip("no build output (SummariseFunction missing under .aws-sam/build): run `make build`")
    shipped = sorted(path.name for path in (function / "precis").iterdir() if path.name != "__pycache__")
    ours = {path.name for path in function.iterdir()} - {"app.py", "precis"}

    assert (function / "app.py").is_file()
    assert shipped == ["__init__.py", "aws", "core"]
    assert not ours & {"tools", "tests", "moto", "boto3", "botocore", "spacy"}, ours
