"""Frozen base-model embeddings kept on disk, so `quick` and assisted tagging embed only the
texts they have not seen: `encode` is `Encoder.encode` through a cache folder the caller names.

A folder holds one file per key (the base model's export key, `max_length` and the device
type), `<key>.npz`: the texts' 128-bit BLAKE2b digests and their float32 embeddings. Each write
merges with what is on disk and renames a temporary file into place, so processes sharing the
folder never read a partial file; two writing at once may lose one's new rows (recomputed on
the next miss), never corrupt the file. A file keeps at most MAX_ROWS rows, the least recently
written dropped first, and a folder at most MAX_FILES keys. Any error of the cache is logged
and the texts are computed; only the encoding's own errors (a cancel included) go through.

Only a frozen base model's embeddings belong here: a fine-tuned encoder's differ.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from training.engine import exported
from training.engine.encoder import Encoder

log = logging.getLogger(__name__)

# A project holds at most 100,000 documents; the rest is room for edited texts. MiniLM's
# 384 floats make a row 1.5 kB, so a full file is about 180 MB.
MAX_ROWS = 120_000
# Keys kept per folder: a project may train from two base models in turn.
MAX_FILES = 2
DIGEST_BYTES = 16


def encode(
    encoder: Encoder,
    texts: list[str],
    *,
    base_model: str | Path,
    folder: str | Path | None,
    batch_size: int = 64,
    on_batch: Callable[[int], None] | None = None,
) -> np.ndarray:
    """`encoder.encode(texts)` for an `encoder` holding the frozen weights of `base_model`,
    computing only the texts not in `folder`'s cache and adding them to it. Without a folder,
    this is `encoder.encode`. `on_batch` gets the texts done, cached ones counted first."""
    if folder is None or not texts:
        return encoder.encode(texts, batch_size=batch_size, on_batch=on_batch)
    try:
        path = Path(folder) / f"{cache_key(encoder, base_model)}.npz"
    except Exception:
        log.warning("Could not name the embedding cache in %s", folder, exc_info=True)
        return encoder.encode(texts, batch_size=batch_size, on_batch=on_batch)
    try:
        cached_digests, cached_embeddings = _read(path)
    except Exception:  # computed, and the file replaced below
        log.warning("Could not read the embedding cache %s", path, exc_info=True)
        cached_digests, cached_embeddings = _empty()
    if cached_embeddings.shape[1] != encoder.dimension:
        cached_digests, cached_embeddings = _empty(encoder.dimension)
    digests = [_digest(text) for text in texts]
    rows = {digest: i for i, digest in enumerate(_digests(cached_digests))}
    hit = [i for i, digest in enumerate(digests) if digest in rows]
    missing = [i for i, digest in enumerate(digests) if digest not in rows]
    out = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    out[hit] = cached_embeddings[[rows[digests[i]] for i in hit]]
    hits = len(hit)
    if not missing:
        if on_batch is not None:
            on_batch(len(texts))
        return out
    progress = None if on_batch is None else (lambda done: on_batch(hits + done))
    out[missing] = encoder.encode(
        [texts[i] for i in missing], batch_size=batch_size, on_batch=progress
    )
    try:
        _write(path, digests, out)
    except Exception:
        log.warning("Could not write the embedding cache in %s", folder, exc_info=True)
    return out


def cache_key(encoder: Encoder, base_model: str | Path) -> str:
    """Names the embeddings one encoder gives: the base model's export key (its files and the
    library versions), the truncation length and the device type. PyTorch and the ONNX graph
    agree within 1e-6 (`exported.use_base_graph`), so either may have computed a row."""
    return f"{exported.base_graph_key(base_model)}-{encoder.max_length}-{encoder.device.type}"


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=DIGEST_BYTES).digest()


def _digests(matrix: np.ndarray) -> list[bytes]:
    return [bytes(row) for row in matrix]


def _read(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(digests as rows of bytes, embeddings); empty when there is no file. A file that does
    not load or whose arrays disagree raises, so the caller computes."""
    if not path.is_file():
        return _empty()
    with np.load(path, allow_pickle=False) as data:
        digests, embeddings = data["digests"], data["embeddings"]
    if (
        digests.dtype != np.uint8
        or digests.ndim != 2
        or digests.shape[1] != DIGEST_BYTES
        or embeddings.ndim != 2
        or len(digests) != len(embeddings)
    ):
        raise ValueError(f"{path} is not an embedding cache")
    return digests, embeddings.astype(np.float32, copy=False)


def _empty(dimension: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((0, DIGEST_BYTES), np.uint8), np.zeros((0, dimension), np.float32)


def _write(path: Path, digests: list[bytes], embeddings: np.ndarray) -> None:
    """Merge these rows (the texts of one call) into the file as it is now (another process
    may have written since it was read), newest last, keep the last MAX_ROWS, and rename it
    into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        old_digests, old_embeddings = _read(path)
    except Exception:  # a corrupt file is replaced
        old_digests, old_embeddings = _empty()
    if old_embeddings.shape[1] != embeddings.shape[1]:
        old_digests, old_embeddings = _empty(embeddings.shape[1])
    new = {digest: i for i, digest in enumerate(digests)}
    keep = [i for i, digest in enumerate(_digests(old_digests)) if digest not in new]
    rows = list(new.values())
    merged_digests = np.concatenate(
        [
            old_digests[keep],
            np.frombuffer(b"".join(new), dtype=np.uint8).reshape(-1, DIGEST_BYTES),
        ]
    )[-MAX_ROWS:]
    merged = np.concatenate([old_embeddings[keep], embeddings[rows]])[-MAX_ROWS:]
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".writing-", suffix=".tmp")
    try:
        os.fchmod(handle, 0o644)  # mkstemp's 0600 would hide it from the studio's other users
        with os.fdopen(handle, "wb") as file:
            np.savez(file, digests=merged_digests, embeddings=merged)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _drop_other_keys(path)


def _drop_other_keys(path: Path) -> None:
    """Keep the MAX_FILES most recently written key files of the folder."""
    others = []
    for other in path.parent.glob("*.npz"):
        try:
            if other != path:
                others.append((other.stat().st_mtime_ns, other))
        except FileNotFoundError:  # another process dropped it
            continue
    for _, stale in sorted(others, reverse=True)[MAX_FILES - 1 :]:
        stale.unlink(missing_ok=True)
