"""Loading artifacts for prediction: top classes, the cache and int8 quantization."""

from __future__ import annotations

import pytest
import torch

from training.engine.predict import clear_cache, get_classifier, load_classifier
from training.engine.train import train

from .conftest import HELD_OUT


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    from training.engine.config import TrainConfig

    from .conftest import single_label_data

    folder = tmp_path_factory.mktemp("artifact") / "model"
    train(single_label_data(), TrainConfig(mode="quick", threads=2), folder)
    return folder


def test_prediction_lists_the_top_classes_most_confident_first(artifact):
    classifier = load_classifier(artifact, device="cpu")
    (prediction,) = classifier.predict([HELD_OUT["food"][0]], top=2)
    assert prediction.classes == ["food"]
    assert prediction.scores[0][0] == "food"
    assert len(prediction.scores) == 2
    assert prediction.scores[0][1] >= prediction.scores[1][1]


def test_batches_sorted_by_length_keep_the_input_order(artifact):
    classifier = load_classifier(artifact, device="cpu")
    texts = ["soup", HELD_OUT["tech"][0] + " " + "and more words" * 10, "goal"]
    one_by_one = [classifier.predict([t])[0].classes for t in texts]
    assert [p.classes for p in classifier.predict(texts, batch_size=2)] == one_by_one


def test_the_cache_loads_an_artifact_once_per_path_and_variant(artifact):
    clear_cache()
    first = get_classifier(artifact)
    assert get_classifier(str(artifact) + "/.") is first
    assert get_classifier(artifact, quantize=True) is not first
    clear_cache()
    assert get_classifier(artifact) is not first


def test_int8_model_agrees_with_fp32_on_clear_cases(artifact):
    texts = [t for texts in HELD_OUT.values() for t in texts]
    fp32 = load_classifier(artifact, device="cpu").predict(texts)
    int8 = load_classifier(artifact, quantize=True).predict(texts)
    assert [p.classes for p in int8] == [p.classes for p in fp32]


def test_int8_model_quantizes_weights_per_output_channel(artifact):
    int8 = load_classifier(artifact, quantize=True)
    layers = [
        m
        for m in int8.encoder.model.modules()
        if type(m).__name__ == "Linear" and "quantized" in type(m).__module__
    ]
    assert layers, "no quantized linear layer"
    assert all(m.weight().qscheme() == torch.per_channel_affine for m in layers)


def test_int8_model_keeps_the_feed_forward_output_layers_in_fp32(artifact):
    int8 = load_classifier(artifact, quantize=True)
    inner = int8.encoder.model.config.intermediate_size
    kinds = {
        name: ("quantized" in type(m).__module__, m.in_features)
        for name, m in int8.encoder.model.named_modules()
        if type(m).__name__ == "Linear"
    }
    fp32 = {name for name, (quantized, _) in kinds.items() if not quantized}
    assert fp32 == {name for name, (_, width) in kinds.items() if width == inner}
    assert len(fp32) == int8.encoder.model.config.num_hidden_layers  # one per layer
    assert all(name.endswith("output.dense") for name in fp32)
    assert isinstance(int8.head, torch.nn.Linear)
    assert int8.head.weight.dtype == torch.float32


@pytest.mark.parametrize("quantize", [False, True], ids=["fp32", "int8"])
def test_a_loaded_model_runs_traced_and_predicts_as_the_eager_model(artifact, quantize):
    classifier = load_classifier(artifact, quantize=quantize, device="cpu")
    assert classifier.encoder.traced is not None
    # Mixed lengths: padded batches must keep the attention mask in the traced graph.
    texts = [t for texts in HELD_OUT.values() for t in texts] + ["ok", "a much " * 40 + "longer"]
    traced = classifier.probabilities(texts, batch_size=3)
    classifier.encoder.traced = None
    eager = classifier.probabilities(texts, batch_size=3)
    assert traced == pytest.approx(eager, abs=1e-6)


def test_a_model_the_tracer_cannot_record_keeps_the_eager_path(artifact, monkeypatch):
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("this model does not trace")

    monkeypatch.setattr(torch.jit, "trace", refuse)
    classifier = load_classifier(artifact, device="cpu")
    assert classifier.encoder.traced is None
    (prediction,) = classifier.predict([HELD_OUT["food"][0]])
    assert prediction.classes == ["food"]
