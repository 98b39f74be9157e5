"""The evaluation pages stay fast for a model evaluated on 10,000 documents: they read the
stored summary and one results file, and never rescore."""

from __future__ import annotations

import json
import random
import time

import pytest
from django.utils import timezone

from projects.models import Class
from training.engine.evaluate import evaluate
from training.models import TrainedModel

pytestmark = pytest.mark.django_db

CLASSES = [f"class-{i}" for i in range(12)]


def _predictions(n: int, rng: random.Random, prefix: str) -> list[dict]:
    rows = []
    for i in range(n):
        expected = rng.choice(CLASSES)
        predicted = expected if rng.random() < 0.8 else rng.choice(CLASSES)
        scores = {c: round(rng.random() / 10, 4) for c in CLASSES} | {predicted: 0.9}
        rows.append({"id": f"{prefix}{i}", "expected": [expected], "predicted": [predicted],
                     "confidences": scores, "location": f"{prefix}{i}.txt"})  # fmt: skip
    return rows


def _best_of_three(client, url: str) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(3):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append(time.perf_counter() - started)
    return min(times)


def test_pages_and_review_api_answer_within_300_ms_at_10000_documents(
    client, project, viewer, tmp_path
):
    rng = random.Random(7)
    for i, name in enumerate(CLASSES):
        Class.objects.create(project=project, name=name, order=i)
    test = _predictions(10_000, rng, "t")
    validation = _predictions(10_000, rng, "v")
    (tmp_path / "evaluation_results.json").write_text(
        json.dumps({"split": {}, "validation": validation, "test": test})
    )
    evaluation = evaluate(
        [p["expected"] for p in test], [p["predicted"] for p in test], CLASSES, False
    ).to_dict()
    TrainedModel.objects.create(
        project=project, name="big", version=1, artifact_path=str(tmp_path),
        evaluation=evaluation, trained_at=timezone.now(),
        split_counts={"train": 80_000, "validation": 10_000, "test": 10_000},
    )  # fmt: skip
    client.force_login(viewer)
    for url in (
        "/projects/Reviews/performance/",
        "/projects/Reviews/performance/big/",
        "/projects/Reviews/performance/big/evaluation.csv",
        "/projects/Reviews/improve/?model=big",
        "/api/projects/Reviews/models/big/review",
    ):
        assert _best_of_three(client, url) < 0.3, url
