"""The memory-mapped language identifier (precis.core.langid_cache) answers exactly as py3langid's own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from precis.core.langid_cache import PackedModelError, load_identifier, pack, packed_identifier
from tests.conftest import SEEDS

SAMPLES = [
    *(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))),
    "Der Bundestag hat am Donnerstag ein neues Gesetz beschlossen.",
    "El gobierno anunció nuevas medidas económicas el martes.",
    "",
    "1234 5678",
]


@pytest.fixture(scope="module")
def stock() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("precis-cache")


def test_langid_cache_gives_identical_scores(stock: LanguageIdentifier, cache_dir: Path) -> None:
    filled = load_identifier(cache_dir)
    mapped = load_identifier(cache_dir)
    assert len(list(cache_dir.iterdir())) == 1
    for text in SAMPLES:
        expected = stock._decide(text)
        assert np.array_equal(filled._decide(text), expected)
        assert np.array_equal(mapped._decide(text), expected)
        assert mapped.classify(text) == stock.classify(text)


def test_langid_cache_unusable_folder_falls_back_to_py3langid(
    stock: LanguageIdentifier, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    identifier = load_identifier(blocker / "cache")
    assert identifier.classify(SAMPLES[0]) == stock.classify(SAMPLES[0])


def test_langid_cache_corrupt_entry_is_rebuilt(stock: LanguageIdentifier, cache_dir: Path) -> None:
    load_identifier(cache_dir)
    entry = next(cache_dir.iterdir())
    (entry / "pc.npy").write_bytes(b"broken")
    identifier = load_identifier(cache_dir)
    assert np.array_equal(identifier._decide(SAMPLES[0]), stock._decide(SAMPLES[0]))
    assert np.load(entry / "pc.npy").shape == stock.nb_pc.shape


def test_langid_packed_folder_gives_identical_scores_read_only(
    stock: LanguageIdentifier, tmp_path: Path
) -> None:
    folder = tmp_path / "layer" / "precis_langid"
    pack(folder)
    files = {path: path.stat().st_mtime_ns for path in folder.iterdir()}
    folder.chmod(0o555)
    try:
        packed = packed_identifier(folder)
        for text in SAMPLES:
            assert np.array_equal(packed._decide(text), stock._decide(text))
            assert packed.classify(text) == stock.classify(text)
    finally:
        folder.chmod(0o755)
    assert {path: path.stat().st_mtime_ns for path in folder.iterdir()} == files
    assert isinstance(packed.nb_ptc, np.memmap)


def test_langid_packed_folder_missing_or_broken_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PackedModelError, match=r"no readable language identifier packed in .*missing"):
        packed_identifier(tmp_path / "missing")
    folder = tmp_path / "broken"
    pack(folder)
    (folder / "ptc.npy").write_bytes(b"broken")
    with pytest.raises(PackedModelError, match="PRECIS_LANGID_DIR"):
        packed_identifier(folder)
