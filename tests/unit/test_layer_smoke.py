"""The built function and layers (`make build`) must run spaCy under a real Python 3.12, as Lambda would."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from precis.aws.settings import DEFAULT_MODEL
from precis.core.pipeline import Summariser
from tools.benchmark.lambda_cold import python312

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

# As the function loads it: spaCy without its CLI, the language identifier packed in the NLP layer.
CORE_SCRIPT = """
import json, sys
from pathlib import Path
from precis.core.lean_spacy import import_spacy
import_spacy()
from precis.core.pipeline import Summariser
packed = next(Path(entry, "precis_langid") for entry in sys.path if Path(entry, "precis_langid").is_dir())
document = Summariser.load({"fr": sys.argv[1]}, langid_dir=packed).summarise(open(sys.argv[2], "rb").read())
print(json.dumps(document.to_dict()))
"""


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


def test_layer_smoke_built_function_gives_the_checkouts_document(run_built, summariser: Summariser) -> None:
    """python3.12, the layers' numpy and spaCy, the packed identifier: the seed's document is the same."""
    assert run_built(CORE_SCRIPT) == summariser.summarise(SEED.read_bytes()).to_dict()


def test_layer_smoke_nlp_layer_ships_the_identifier_once_packed() -> None:
    layer = BUILD / "NlpLayer/python"
    if not layer.is_dir():
        pytest.skip("no build output (NlpLayer missing under .aws-sam/build): run `make build`")
    assert sorted(path.name for path in (layer / "precis_langid").iterdir()) == [
        "classes.json",
        "nextmove.npz",
        "nextmove_row.npy",
        "out_feat.npy",
        "pc.npy",
        "ptc.npy",
    ]
    assert not (layer / "py3langid/data/model.npz.xz").exists()


def test_layer_smoke_function_ships_only_its_entry_point_core_and_aws_shell() -> None:
    function = BUILD / "SummariseFunction"
    if not function.is_dir():
        pytest.skip("no build output (SummariseFunction missing under .aws-sam/build): run `make build`")
    shipped = sorted(path.name for path in (function / "precis").iterdir() if path.name != "__pycache__")
    ours = {path.name for path in function.iterdir()} - {"app.py", "precis"}

    assert (function / "app.py").is_file()
    assert shipped == ["__init__.py", "aws", "core"]
    assert not ours & {"tools", "tests", "moto", "boto3", "botocore", "spacy"}, ours
