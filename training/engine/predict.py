"""Loading artifacts for prediction, and a process-wide cache of loaded models, so a web or
worker process loads each model version once."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from training.engine import exported
from training.engine.artifacts import load_artifact
from training.engine.classifier import Classifier, Prediction

__all__ = ["Classifier", "Prediction", "get_classifier", "load_classifier"]

CACHE_SIZE = 4


def load_classifier(
    artifact_dir: str | Path, *, quantize: bool = False, device: str = "auto"
) -> Classifier:
    """Load an artifact folder for prediction; `quantize` gives the int8 CPU variant. On a CPU
    the encoder runs on ONNX Runtime, from the graph cached in the artifact folder (exported
    on first load, see `training.engine.exported`); on a GPU it stays in PyTorch."""
    classifier = load_artifact(artifact_dir, device="cpu" if quantize else device)
    encoder = classifier.encoder
    if encoder.device.type == "cpu":
        graph = exported.graph_path(artifact_dir, encoder.model, int8=quantize)
        encoder.session = exported.session(graph)
        # The session holds the weights now: release PyTorch's copy, keep the config.
        encoder.model.to_empty(device="meta")
    return classifier


def get_classifier(artifact_dir: str | Path, *, quantize: bool = False) -> Classifier:
    """`load_classifier` through a bounded LRU cache keyed by the artifact's resolved path:
    artifact folders are versioned and never rewritten, so the path names one model.

    A lock per model makes concurrent first requests (or a preload racing a request) load it
    once instead of each paying seconds and memory for its own copy."""
    key = (str(Path(artifact_dir).resolve()), quantize)
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        return _cached(*key)


_locks: dict[tuple[str, bool], threading.Lock] = {}
_locks_guard = threading.Lock()


@functools.lru_cache(maxsize=CACHE_SIZE)
def _cached(resolved: str, quantize: bool) -> Classifier:
    return load_classifier(resolved, quantize=quantize)
