"""Process-level set-up of a run: seeds, determinism, device and CPU threads, in one place."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from training.engine.errors import EngineError


def seed_everything(seed: int) -> None:
    """Seed every generator the engine draws from and ask torch for deterministic kernels, so
    the same data, config and seed on the same machine give the same metrics."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # warn_only: a few CUDA kernels have no deterministic version; CPU runs are fully covered.
    torch.use_deterministic_algorithms(True, warn_only=True)


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise EngineError("device_unavailable", "device 'cuda' was asked for but none is present")
    return torch.device(device)


def set_threads(threads: int | None) -> None:
    """Use the configured thread count, else every core this process may run on."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    torch.set_num_threads(threads or available or os.cpu_count() or 1)
