"""`train()` end to end on tiny data with the real packaged MiniLM."""

from __future__ import annotations

import dataclasses
import json

import pytest

from training.engine.config import TrainConfig
from training.engine.data import TrainingData
from training.engine.errors import Cancelled, EngineError
from training.engine.predict import load_classifier
from training.engine.train import train

from .conftest import HELD_OUT, SPORTS, TECH


def _held_out_accuracy(artifact_dir) -> float:
    classifier = load_classifier(artifact_dir, device="cpu")
    texts = [t for texts in HELD_OUT.values() for t in texts]
    expected = [c for c, texts in HELD_OUT.items() for _ in texts]
    chosen = [p.classes for p in classifier.predict(texts)]
    return sum(c == [e] for c, e in zip(chosen, expected, strict=True)) / len(texts)


@pytest.mark.parametrize("mode", ["quick", "standard"])
def test_single_label_model_learns_a_separable_task(single_label, tmp_path, mode):
    config = TrainConfig(mode=mode, epochs=2, batch_size=16, threads=2)
    result = train(single_label, config, tmp_path / "model")
    assert result.counts == {"train": 28, "validation": 4, "test": 4}
    assert result.evaluation.accuracy >= 3 / 4
    assert result.evaluation.confusion_matrix is not None
    assert _held_out_accuracy(result.artifact_dir) >= 5 / 6
    if mode == "standard":
        assert [h["epoch"] for h in result.history] == [0, 1, 2]
        assert sum(h["kept"] for h in result.history) == 1


@pytest.mark.parametrize("mode", ["quick", "standard"])
def test_multi_label_model_learns_a_separable_task(multi_label, tmp_path, mode):
    config = TrainConfig(mode=mode, epochs=1, batch_size=16, threads=2)
    result = train(multi_label, config, tmp_path / "model")
    assert result.evaluation.multi_label
    assert result.evaluation.micro_f1 >= 0.8
    assert set(result.thresholds) == {"sports", "tech", "food"}
    assert all(0 < t < 1 for t in result.thresholds.values())
    classifier = load_classifier(result.artifact_dir, device="cpu")
    both = classifier.predict([f"{SPORTS[0]} and {TECH[0]}"])[0]
    assert set(both.classes) == {"sports", "tech"}


def test_result_lists_per_document_predictions_and_serialises_to_json(
    single_label, tmp_path, quick_config
):
    result = train(single_label, quick_config, tmp_path / "model")
    assert set(result.split.values()) == {"train", "validation", "test"}
    assert len(result.split) == len(single_label.ids)
    test_ids = {p["id"] for p in result.test_predictions}
    assert test_ids == {i for i, part in result.split.items() if part == "test"}
    first = result.validation_predictions[0]
    assert set(first) == {"id", "expected", "predicted", "confidences"}
    assert sum(first["confidences"].values()) == pytest.approx(1.0)
    json.dumps(result.to_dict())
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert metrics["evaluation"] == result.evaluation.to_dict()


def test_artifact_round_trip_gives_identical_predictions(single_label, tmp_path, quick_config):
    from training.engine.classifier import Classifier
    from training.engine.encoder import load_encoder

    result = train(single_label, quick_config, tmp_path / "model")
    loaded = load_classifier(result.artifact_dir, device="cpu")
    again = Classifier(
        load_encoder(tmp_path / "model" / "encoder", max_length=128, device=loaded.encoder.device),
        loaded.head,
        loaded.classes,
        loaded.multi_label,
    )
    texts = single_label.texts
    # `loaded` runs the encoder exported to ONNX Runtime, `again` the PyTorch one.
    for a, b in zip(loaded.predict(texts), again.predict(texts), strict=True):
        assert a.classes == b.classes
        assert dict(a.scores) == pytest.approx(dict(b.scores), abs=1e-6)
    by_id = {p["id"]: p for p in result.test_predictions}
    for doc_id, prediction in by_id.items():
        text = single_label.texts[single_label.ids.index(doc_id)]
        (reloaded,) = loaded.predict([text])
        assert reloaded.classes == prediction["predicted"]
        assert dict(reloaded.scores) == pytest.approx(prediction["confidences"], abs=1e-5)


@pytest.mark.parametrize("mode", ["quick", "standard"])
def test_single_label_head_learns_from_validation_after_predicting_it(single_label, tmp_path, mode):
    """The saved head is a logistic regression (with the run's C) on the saved encoder's
    embeddings (frozen in `quick`, fine-tuned in `standard`) of training plus validation
    documents; the recorded validation predictions come from the same fit on training
    documents only."""
    import numpy as np

    from training.engine.classifier import Classifier
    from training.engine.heads import fit_logistic_head, label_matrix

    config = TrainConfig(mode=mode, epochs=2, batch_size=16, threads=2)
    result = train(single_label, config, tmp_path / "model")
    loaded = load_classifier(result.artifact_dir, device="cpu")
    index = {doc_id: i for i, doc_id in enumerate(single_label.ids)}
    rows = {
        part: [index[d] for d, p in result.split.items() if p == part]
        for part in ("train", "validation")
    }
    features = loaded.encoder.encode(single_label.texts)
    targets = label_matrix(single_label.labels, single_label.classes)

    def classifier_fitted_on(indices: list[int]) -> Classifier:
        head = fit_logistic_head(
            features[indices],
            targets[indices],
            multi_label=False,
            seed=config.seed,
            c=result.head_c,
        )
        return Classifier(loaded.encoder, head, single_label.classes, False)

    train_only = classifier_fitted_on(rows["train"])
    both = classifier_fitted_on(rows["train"] + rows["validation"])
    validation_texts = [single_label.texts[i] for i in rows["validation"]]
    recorded = np.array(
        [[p["confidences"][c] for c in single_label.classes] for p in result.validation_predictions]
    )
    order = [rows["validation"].index(index[p["id"]]) for p in result.validation_predictions]
    expected = train_only.probabilities(validation_texts)[order]
    assert recorded == pytest.approx(expected, abs=1e-3)
    assert not np.allclose(
        train_only.probabilities(validation_texts), both.probabilities(validation_texts), atol=1e-3
    )
    assert loaded.probabilities(single_label.texts) == pytest.approx(
        both.probabilities(single_label.texts), abs=1e-3
    )


def test_quick_chooses_its_c_by_cross_validation_and_records_it(multi_label, tmp_path):
    from training.engine.heads import C_GRID, choose_c, label_matrix

    config = TrainConfig(mode="quick", batch_size=16, threads=2)
    result = train(multi_label, config, tmp_path / "model")
    loaded = load_classifier(result.artifact_dir, device="cpu")
    rows = [multi_label.ids.index(d) for d, part in result.split.items() if part == "train"]
    features = loaded.encoder.encode([multi_label.texts[i] for i in rows])
    targets = label_matrix([multi_label.labels[i] for i in rows], multi_label.classes)

    assert result.head_c in C_GRID
    assert result.head_c == choose_c(features, targets, multi_label=True, seed=config.seed)
    assert result.summary()["head_c"] == result.head_c


def test_cancel_leaves_no_artifact_and_no_partial_folder(single_label, tmp_path, standard_config):
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) > 8

    with pytest.raises(Cancelled):
        train(single_label, standard_config, tmp_path / "model", should_stop=should_stop)
    assert list(tmp_path.iterdir()) == []


def test_cancel_while_saving_leaves_no_artifact(single_label, tmp_path, quick_config):
    saving = []

    def note(event) -> None:
        if event.phase == "saving":
            saving.append(event)

    with pytest.raises(Cancelled):
        train(
            single_label,
            quick_config,
            tmp_path / "model",
            on_progress=note,
            should_stop=lambda: bool(saving),
        )
    assert list(tmp_path.iterdir()) == []


def test_progress_events_are_ordered_and_reach_100(single_label, tmp_path, standard_config):
    events = []
    train(single_label, standard_config, tmp_path / "model", on_progress=events.append)
    phases = [e.phase for e in events]
    order = ["preparing", "loading", "encoding", "training", "evaluating", "saving", "done"]
    assert [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p] == order
    percents = [e.percent for e in events]
    assert percents == sorted(percents)
    assert percents[-1] == 100
    training = [e for e in events if e.phase == "training"]
    assert training[-1].epochs == 2
    assert any(e.loss is not None for e in training)
    # Fine-tuning reports the epoch in progress, from 1; untimed phases have no time left.
    assert {e.epoch for e in training if e.epochs} == {1, 2}
    assert all(e.eta_s is None for e in events if e.phase in ("preparing", "loading", "saving"))


@pytest.mark.parametrize("mode", ["quick", "standard"])
def test_same_seed_gives_the_same_model(single_label, tmp_path, mode):
    config = TrainConfig(mode=mode, epochs=1, batch_size=16, threads=2)
    first = train(single_label, config, tmp_path / "a")
    second = train(single_label, config, tmp_path / "b")
    assert first.evaluation == second.evaluation
    assert first.validation_predictions == second.validation_predictions
    assert first.history == second.history


def test_fewer_than_ten_documents_train_without_evaluation(tmp_path, quick_config):
    data = TrainingData(
        SPORTS[:4] + TECH[:4],
        [["s"]] * 4 + [["t"]] * 4,
        ["s", "t"],
        False,
        [str(i) for i in range(8)],
    )
    result = train(data, quick_config, tmp_path / "model")
    assert result.evaluation is None
    assert "at least 10" in result.evaluation_error
    assert result.counts["train"] == 8
    assert (tmp_path / "model" / "head.safetensors").is_file()


def test_one_class_with_tags_is_refused(single_label, tmp_path, quick_config):
    data = dataclasses.replace(single_label, labels=[["sports"]] * len(single_label.texts))
    with pytest.raises(EngineError) as raised:
        train(data, quick_config, tmp_path / "model")
    assert raised.value.code == "too_few_classes"


def test_an_existing_output_folder_is_refused(single_label, tmp_path, quick_config):
    (tmp_path / "model").mkdir()
    with pytest.raises(EngineError) as raised:
        train(single_label, quick_config, tmp_path / "model")
    assert raised.value.code == "artifact_exists"


def test_config_round_trips_through_a_dict():
    config = TrainConfig(mode="standard", epochs=3, seed=7)
    assert TrainConfig.from_dict({**config.to_dict(), "from_the_future": 1}) == config
    with pytest.raises(EngineError):
        TrainConfig(mode="fast")
