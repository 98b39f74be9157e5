"""Loading artifacts for prediction: top classes, the cache and int8 quantization."""

from __future__ import annotations

import shutil

import pytest
import torch

from training.engine.int8 import SmoothedLinear, int8_layers
from training.engine.predict import get_classifier, load_classifier
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


def test_the_cache_loads_an_artifact_once_per_path_and_variant(artifact, tmp_path):
    first = get_classifier(artifact)
    assert get_classifier(str(artifact) + "/.") is first
    assert get_classifier(artifact, quantize=True) is not first
    copy = shutil.copytree(artifact, tmp_path / "copy")
    assert get_classifier(copy) is not first


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


def test_smoothing_a_linear_layer_leaves_its_fp32_output_unchanged():
    torch.manual_seed(0)
    linear = torch.nn.Linear(8, 3)
    scale = torch.rand(8) * 10 + 0.1
    x = torch.randn(5, 8) * torch.tensor([1, 1, 1, 40, 1, 1, 1, 1.0])  # one outlier channel
    with torch.no_grad():
        torch.testing.assert_close(SmoothedLinear(linear, scale)(x), linear(x))


def test_training_records_the_input_range_of_every_int8_layer(artifact):
    classifier = load_classifier(artifact, device="cpu")
    model = classifier.encoder.model
    assert (artifact / "calibration.safetensors").is_file()
    assert set(classifier.input_ranges) == set(int8_layers(model))
    for name, peak in classifier.input_ranges.items():
        assert peak.shape == (model.get_submodule(name).in_features,)
        assert bool((peak >= 0).all())
        assert float(peak.max()) > 0


def test_int8_smooths_each_quantized_layer_with_the_recorded_ranges(artifact):
    int8 = load_classifier(artifact, quantize=True)
    smoothed = {
        name: m for name, m in int8.encoder.model.named_modules() if isinstance(m, SmoothedLinear)
    }
    assert set(smoothed) == set(load_classifier(artifact, device="cpu").input_ranges)
    assert all("quantized" in type(m.linear).__module__ for m in smoothed.values())


def test_smoothed_int8_stays_closer_to_fp32_than_plain_int8(artifact):
    fp32 = load_classifier(artifact, device="cpu")
    texts = [t for texts in HELD_OUT.values() for t in texts]
    reference = fp32.encoder.encode(texts)
    smoothed = fp32.quantized().encoder.encode(texts)
    fp32.input_ranges = None  # an artifact from before calibration
    plain = fp32.quantized().encoder.encode(texts)
    assert abs(smoothed - reference).mean() < abs(plain - reference).mean()


def test_an_artifact_without_calibration_still_loads_in_int8(artifact, tmp_path):
    older = tmp_path / "older"
    shutil.copytree(artifact, older)
    (older / "calibration.safetensors").unlink()
    assert load_classifier(older, device="cpu").input_ranges is None
    int8 = load_classifier(older, quantize=True)
    assert not any(isinstance(m, SmoothedLinear) for m in int8.encoder.model.modules())
    texts = [t for texts in HELD_OUT.values() for t in texts]
    fp32 = load_classifier(artifact, device="cpu").predict(texts)
    assert [p.classes for p in int8.predict(texts)] == [p.classes for p in fp32]


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
    def refuse(*args, **kwargs):
        raise RuntimeError("this model does not trace")

    monkeypatch.setattr(torch.jit, "trace", refuse)
    classifier = load_classifier(artifact, device="cpu")
    assert classifier.encoder.traced is None
    (prediction,) = classifier.predict([HELD_OUT["food"][0]])
    assert prediction.classes == ["food"]
