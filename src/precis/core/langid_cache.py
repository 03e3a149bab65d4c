"""py3langid's model without its second of LZMA: the arrays are unpacked once to a cache, then memory-mapped.

py3langid ships 68 MB of arrays as a 4.5 MB `.npz.xz`; decompressing it costs 0.4-1.3 s in every new
process and 68 MB of private memory in each worker. Unpacked to `.npy` files, the same arrays map in a
few milliseconds, only the pages a text touches are read, and workers share them through the page cache.
The identifier is built by py3langid's own constructor from identical arrays, so its answers are identical.

A read-only folder (the Lambda layer's, where no cache can be written) holds the same arrays `pack`ed: all
mapped but the DFA, which is stored deflated (2 MB instead of 39 MB: the layer budget has no room for it raw)
and inflated in a few hundredths of a second; the caller chooses the folder and passes it in. The layer then
drops py3langid's own `.npz.xz`, so the model is shipped once.
"""

from __future__ import annotations

import hashlib
import io
import json
import lzma
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

_FORMAT = "langid-v1"
_ARRAYS = ("ptc", "pc", "nextmove", "nextmove_row", "out_feat")
_DEFLATED = "nextmove"
_CLASSES = "classes.json"


def default_cache_dir() -> Path | None:
    """The user's cache (`~/.cache/precis`), home of rebuildable files; None when there is no home."""
    home = Path(os.path.expanduser("~"))
    return home / ".cache" / "precis" if home.is_absolute() else None


def load_identifier(cache_dir: Path | None) -> LanguageIdentifier:
    """From the cache when it holds this model (filled or repaired if need be), else py3langid's loader."""
    if cache_dir is not None:
        try:
            return _cached_identifier(cache_dir / f"{_FORMAT}-{_model_digest()}")
        except (OSError, ValueError, KeyError):
            pass
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _cached_identifier(directory: Path) -> LanguageIdentifier:
    """Map the unpacked arrays; unpack them first if absent, and once more if what is there is unreadable."""
    if not directory.is_dir():
        _unpack(directory)
    try:
        return _mapped_identifier(directory)
    except (OSError, ValueError, KeyError):
        shutil.rmtree(directory, ignore_errors=True)
        _unpack(directory)
        return _mapped_identifier(directory)


def _model_path() -> Path:
    """The model file py3langid loads by default."""
    return MODEL_DIR / MODEL_FILE


def _model_digest() -> str:
    """A short content hash of the model file, so an upgraded py3langid never reads stale arrays."""
    return hashlib.sha256(_model_path().read_bytes()).hexdigest()[:16]


def pack(directory: Path) -> None:
    """Write the model for `packed_identifier` into a new folder (at build time, e.g. the Lambda layer's)."""
    directory.mkdir(parents=True)
    _write_arrays(directory, deflated=(_DEFLATED,))


def packed_identifier(directory: Path) -> LanguageIdentifier:
    """The identifier from a folder `pack` wrote, read only; a clear error if it is missing or unreadable
    (the layer that packs it ships no other copy of the model, and a silent fallback would cost a second)."""
    try:
        deflated = np.load(directory / f"{_DEFLATED}.npz", allow_pickle=False)[_DEFLATED]
        return _mapped_identifier(directory, {_DEFLATED: deflated})
    except (OSError, ValueError, KeyError) as error:
        raise PackedModelError(
            f"no readable language identifier packed in {directory} ({type(error).__name__}: {error}); "
            "layers/nlp packs it at build time (PRECIS_LANGID_DIR names the folder)"
        ) from error


class PackedModelError(RuntimeError):
    """The packed language identifier a caller named cannot be read: a build or configuration error."""


def _write_arrays(directory: Path, deflated: tuple[str, ...] = ()) -> None:
    """Each array as `.npy` (or a deflated `.npz` for those named in `deflated`) and the class names."""
    with np.load(io.BytesIO(lzma.decompress(_model_path().read_bytes())), allow_pickle=False) as data:
        for name in _ARRAYS:
            if name in deflated:
                np.savez_compressed(directory / f"{name}.npz", **{name: data[name]})
            else:
                np.save(directory / f"{name}.npy", data[name], allow_pickle=False)
        classes = data["classes"].tolist()
    (directory / _CLASSES).write_text(json.dumps(classes))


def _unpack(directory: Path) -> None:
    """Decompress the model into `directory`, written aside and renamed so readers never see half of it."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        _write_arrays(staging)
        os.rename(staging, directory)
    except OSError:
        if not directory.is_dir():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _mapped_identifier(directory: Path, loaded: dict[str, np.ndarray] | None = None) -> LanguageIdentifier:
    """The identifier over memory-mapped arrays (but those already `loaded`); the DFA tables as flat integer
    views, as py3langid uses them."""
    arrays = {
        name: np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        for name in _ARRAYS
        if name not in (loaded or {})
    }
    arrays.update(loaded or {})
    classes = json.loads((directory / _CLASSES).read_text())
    return LanguageIdentifier(
        arrays["ptc"],
        np.asarray(arrays["pc"]),
        classes,
        memoryview(arrays["nextmove"]),
        memoryview(arrays["out_feat"]),
        norm_probs=True,
        tk_row=memoryview(arrays["nextmove_row"]),
    )
