"""The base model's fp32 ONNX graph that training encodes with on a CPU: the same embeddings as
PyTorch, exported once into the cache folder, and PyTorch whenever that cannot be done."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from training.engine import exported
from training.engine.encoder import default_base_model, load_encoder
from training.engine.train import train

from .conftest import FOOD, HELD_OUT, SPORTS, TECH

# About fifty texts from two to fifty-odd words: single words, sentences, and run-ons that
# pad differently within a batch.
TEXTS = [
    *SPORTS,
    *TECH,
    *FOOD,
    *(t for texts in HELD_OUT.values() for t in texts),
    "goal",
    "soup",
    *(f"{SPORTS[i]}, while {TECH[i]} and {FOOD[i]}; " * 3 for i in range(4)),
]


def _encoder():
    return load_encoder(default_base_model(), max_length=128, device=torch.device("cpu"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A cache folder holding the base model's graph, exported once for the module."""
    folder = tmp_path_factory.mktemp("cache")
    assert exported.use_base_graph(_encoder(), default_base_model(), folder)
    return folder


@pytest.fixture(scope="module")
def reference():
    return _encoder().encode(TEXTS, batch_size=16)


def test_the_base_graph_gives_pytorchs_embeddings(cache, reference):
    encoder = _encoder()
    assert exported.use_base_graph(encoder, default_base_model(), cache)
    assert encoder.session is not None
    embeddings = encoder.encode(TEXTS, batch_size=16)
    assert np.abs(embeddings - reference).max() < 1e-5


def test_the_cached_graph_is_reused_without_exporting_again(cache, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("exported again")

    monkeypatch.setattr(exported, "export", refuse)
    encoder = _encoder()
    assert exported.use_base_graph(encoder, default_base_model(), cache)
    assert encoder.session is not None
    graphs = list((cache / exported.BASE_MODELS_FOLDER).glob("*/onnx/*"))
    assert [p.name for p in graphs] == [exported.FP32_FILE]


def test_an_unwritable_cache_folder_falls_back_to_pytorch(tmp_path, reference, caplog):
    # Tests run as root, which a read-only mode does not stop: a file in the path does.
    (tmp_path / "file").write_text("")
    encoder = _encoder()
    with caplog.at_level(logging.WARNING, logger=exported.__name__):
        assert not exported.use_base_graph(encoder, default_base_model(), tmp_path / "file")
    assert encoder.session is None
    assert "encoding with PyTorch" in caplog.text
    np.testing.assert_array_equal(encoder.encode(TEXTS, batch_size=16), reference)


def test_no_cache_folder_falls_back_to_pytorch(reference, caplog):
    encoder = _encoder()
    with caplog.at_level(logging.WARNING, logger=exported.__name__):
        assert not exported.use_base_graph(encoder, default_base_model(), None)
    assert encoder.session is None
    assert "encoding with PyTorch" in caplog.text
    np.testing.assert_array_equal(encoder.encode(TEXTS, batch_size=16), reference)


def test_a_failed_export_falls_back_to_pytorch_and_leaves_no_file(tmp_path, monkeypatch):
    def fail(model, path):
        path.write_bytes(b"half a graph")
        raise RuntimeError("exporter broke")

    monkeypatch.setattr(exported, "export", fail)
    encoder = _encoder()
    assert not exported.use_base_graph(encoder, default_base_model(), tmp_path)
    assert encoder.session is None
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_the_key_changes_with_the_base_models_weights(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"1234")
    before = exported.base_graph_key(tmp_path)
    weights.write_bytes(b"12345")
    assert exported.base_graph_key(tmp_path) != before


def test_quick_training_encodes_through_the_cached_graph(single_label, quick_config, cache):
    """Same predictions as PyTorch; the run reuses the module's graph."""
    runs = {}
    for name, folder in (("pytorch", None), ("onnx", cache)):
        result = train(single_label, quick_config, cache.parent / f"model-{name}", cache_dir=folder)
        runs[name] = result.test_predictions
    assert [p["predicted"] for p in runs["onnx"]] == [p["predicted"] for p in runs["pytorch"]]
    for onnx_row, torch_row in zip(runs["onnx"], runs["pytorch"], strict=True):
        for name, confidence in torch_row["confidences"].items():
            assert onnx_row["confidences"][name] == pytest.approx(confidence, abs=1e-4)
    assert len(list((cache / exported.BASE_MODELS_FOLDER).iterdir())) == 1
