"""The artifact folder: what a trained model is on disk, and how it is written and read.

    config.json        format version, pooling, max length, the TrainConfig, the base model
    labels.json        class names in head order, single- or multi-label
    thresholds.json    multi-label decision threshold per class
    head.safetensors   the linear head (weight, bias)
    onnx/              the encoder as ONNX graphs, fp32 and int8, written on first load for a CPU
    encoder/           the (fine-tuned) transformer as safetensors, with its tokenizer
    metrics.json       evaluation, history, split counts, duration (written by training)

Reading needs nothing from training: only this module, the encoder and the classifier.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from training.engine.classifier import Classifier
from training.engine.encoder import load_encoder
from training.engine.errors import EngineError
from training.engine.runtime import resolve_device

FORMAT = "studio-text-classifier"
FORMAT_VERSION = 1


def save_artifact(
    classifier: Classifier, folder: str | Path, *, config: dict[str, Any], metrics: dict[str, Any]
) -> None:
    """Write every file of the artifact into `folder` (created; the caller makes it atomic)."""
    folder = Path(folder)
    folder.mkdir(parents=True)
    encoder = classifier.encoder
    encoder.model.save_pretrained(folder / "encoder")
    encoder.tokenizer.save_pretrained(folder / "encoder")
    head = classifier.head
    save_file(
        {"weight": head.weight.detach().cpu().contiguous(), "bias": head.bias.detach().cpu()},
        folder / "head.safetensors",
    )
    _write(
        folder / "labels.json",
        {"classes": classifier.classes, "multi_label": classifier.multi_label},
    )
    _write(
        folder / "thresholds.json",
        dict(zip(classifier.classes, map(float, classifier.thresholds), strict=True)),
    )
    _write(
        folder / "config.json",
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "pooling": "mean",
            "normalize": True,
            "max_length": encoder.max_length,
            "train_config": config,
        },
    )
    _write(folder / "metrics.json", metrics)


def load_artifact(folder: str | Path, *, device: str = "auto") -> Classifier:
    folder = Path(folder)
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise EngineError("artifact_not_found", f"no model artifact at {folder}")
    config = json.loads(config_path.read_text())
    if config.get("format") != FORMAT or config.get("format_version") != FORMAT_VERSION:
        raise EngineError("artifact_format", f"unsupported artifact format in {folder}")
    labels = json.loads((folder / "labels.json").read_text())
    thresholds = json.loads((folder / "thresholds.json").read_text())
    encoder = load_encoder(
        folder / "encoder", max_length=config["max_length"], device=resolve_device(device)
    )
    tensors = load_file(folder / "head.safetensors")
    head = torch.nn.Linear(tensors["weight"].shape[1], tensors["weight"].shape[0])
    head.load_state_dict(tensors)
    classes = labels["classes"]
    return Classifier(
        encoder, head, classes, labels["multi_label"], np.array([thresholds[c] for c in classes])
    )


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
