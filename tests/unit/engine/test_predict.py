"""Loading artifacts for prediction: top classes, the cache, the ONNX graphs exported and
cached beside the artifact, and int8."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
import pytest

from training.engine import exported
from training.engine.artifacts import load_artifact
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


def test_a_cpu_model_runs_on_onnx_runtime_from_graphs_cached_in_the_artifact(artifact):
    fp32 = load_classifier(artifact, device="cpu")
    int8 = load_classifier(artifact, quantize=True)
    assert fp32.encoder.session is not None
    assert int8.encoder.session is not None
    assert (artifact / "onnx" / "encoder.onnx").is_file()
    assert (artifact / "onnx" / "encoder-int8.onnx").is_file()
    assert [p.name for p in (artifact / "onnx").iterdir() if p.name.startswith(".")] == []


def test_a_second_load_reuses_the_cached_graphs(artifact, monkeypatch):
    load_classifier(artifact, quantize=True)

    def refuse(*args, **kwargs):
        raise AssertionError("exported again")

    monkeypatch.setattr(exported, "export", refuse)
    monkeypatch.setattr(exported, "quantize", refuse)
    (prediction,) = load_classifier(artifact, quantize=True).predict([HELD_OUT["food"][0]])
    assert prediction.classes == ["food"]


def test_onnx_fp32_embeddings_equal_the_pytorch_encoders(artifact):
    texts = [t for texts in HELD_OUT.values() for t in texts] + ["ok", "a much " * 40 + "longer"]
    reference = load_artifact(artifact, device="cpu").encoder.encode(texts, batch_size=3)
    onnx_fp32 = load_classifier(artifact, device="cpu").encoder.encode(texts, batch_size=3)
    assert (reference * onnx_fp32).sum(axis=1).min() > 1 - 1e-5


def test_int8_embeddings_stay_close_to_fp32(artifact):
    texts = [t for texts in HELD_OUT.values() for t in texts] + ["ok", "a much " * 40 + "longer"]
    fp32 = load_classifier(artifact, device="cpu").encoder.encode(texts)
    int8 = load_classifier(artifact, quantize=True).encoder.encode(texts)
    assert (fp32 * int8).sum(axis=1).min() > 0.98


def test_int8_graph_quantizes_weights_per_output_channel(artifact):
    load_classifier(artifact, quantize=True)
    graph = onnx.load(artifact / "onnx" / "encoder-int8.onnx").graph
    weights = {t.name: t for t in graph.initializer}
    products = [n for n in graph.node if n.op_type == "MatMulInteger"]
    assert products, "no int8 matrix product"
    for node in products:
        weight, zero_point = weights[node.input[1]], weights[node.input[3]]
        assert weight.data_type == onnx.TensorProto.INT8
        assert list(zero_point.dims) == [weight.dims[1]]  # one scale per output channel


def test_int8_keeps_the_feed_forward_output_products_in_fp32(artifact):
    classifier = load_classifier(artifact, quantize=True)
    config = classifier.encoder.model.config
    graph = onnx.load(artifact / "onnx" / "encoder-int8.onnx").graph
    rows = {t.name: t.dims[0] for t in graph.initializer if len(t.dims) == 2}
    fp32 = [n for n in graph.node if n.op_type == "MatMul" and n.input[1] in rows]
    assert len(fp32) == config.num_hidden_layers
    assert {rows[n.input[1]] for n in fp32} == {config.intermediate_size}


def test_an_artifact_saved_before_onnx_exports_on_first_load(artifact, tmp_path):
    older = tmp_path / "older"
    shutil.copytree(artifact, older, ignore=shutil.ignore_patterns("onnx"))
    texts = [t for texts in HELD_OUT.values() for t in texts]
    expected = [p.classes for p in load_classifier(artifact, device="cpu").predict(texts)]
    for quantize in (False, True):
        loaded = load_classifier(older, quantize=quantize, device="cpu")
        assert [p.classes for p in loaded.predict(texts)] == expected
    assert (older / "onnx" / "encoder-int8.onnx").is_file()


def test_two_threads_loading_one_new_artifact_both_get_their_graph(artifact, tmp_path):
    """The warm-up thread and a request load the fp32 and int8 deployments of one artifact at
    the same moment: PyTorch's exporter cannot run twice at once in a process."""
    older = tmp_path / "older"
    shutil.copytree(artifact, older, ignore=shutil.ignore_patterns("onnx"))
    texts = [t for texts in HELD_OUT.values() for t in texts]
    with ThreadPoolExecutor(2) as pool:
        loads = [pool.submit(load_classifier, older, quantize=q, device="cpu") for q in (0, 1)]
        answers = [[p.classes for p in load.result().predict(texts)] for load in loads]
    assert answers[0] == [p.classes for p in load_classifier(artifact, device="cpu").predict(texts)]
    assert {path.name for path in (older / "onnx").iterdir()} == {
        "encoder.onnx",
        "encoder-int8.onnx",
    }


def test_a_failed_export_leaves_no_file_behind(artifact, tmp_path, monkeypatch):
    older = tmp_path / "older"
    shutil.copytree(artifact, older, ignore=shutil.ignore_patterns("onnx"))

    def fail_halfway(model, path):
        path.write_bytes(b"half a graph")
        raise RuntimeError("export failed")

    monkeypatch.setattr(exported, "export", fail_halfway)
    with pytest.raises(RuntimeError):
        load_classifier(older, device="cpu")
    assert list((older / "onnx").iterdir()) == []


def test_the_same_graph_serves_batches_of_every_shape(artifact):
    classifier = load_classifier(artifact, device="cpu")
    texts = [t for texts in HELD_OUT.values() for t in texts] + ["ok", "a much " * 40 + "longer"]
    batched = classifier.probabilities(texts, batch_size=3)
    one_by_one = np.vstack([classifier.probabilities([t]) for t in texts])
    assert batched == pytest.approx(one_by_one, abs=1e-5)
