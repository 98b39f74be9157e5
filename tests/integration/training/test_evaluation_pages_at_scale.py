"""The evaluation pages work for a model evaluated on 10,000 documents and show its counts.

How fast they answer is measured by `python -m tests.benchmarks.evaluation` (docs/benchmarks.md,
"Evaluation pages"), not here: timing assertions fail at random on a busy machine."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest
from django.utils import timezone

from projects.models import Class
from training.engine.evaluate import evaluate
from training.models import TrainedModel

pytestmark = pytest.mark.django_db

CLASSES = [f"class-{i}" for i in range(12)]
N = 10_000


def _predictions(n: int, rng: random.Random, prefix: str) -> list[dict]:
    rows = []
    for i in range(n):
        expected = rng.choice(CLASSES)
        predicted = expected if rng.random() < 0.8 else rng.choice(CLASSES)
        scores = {c: round(rng.random() / 10, 4) for c in CLASSES} | {predicted: 0.9}
        rows.append({"id": f"{prefix}{i}", "expected": [expected], "predicted": [predicted],
                     "confidences": scores, "location": f"{prefix}{i}.txt"})  # fmt: skip
    return rows


def test_pages_and_review_api_work_at_10000_documents(client, project, viewer, tmp_path):
    rng = random.Random(7)
    for i, name in enumerate(CLASSES):
        Class.objects.create(project=project, name=name, order=i)
    test = _predictions(N, rng, "t")
    validation = _predictions(N, rng, "v")
    (tmp_path / "evaluation_results.json").write_text(
        json.dumps({"split": {}, "validation": validation, "test": test})
    )
    evaluation = evaluate(
        [p["expected"] for p in test], [p["predicted"] for p in test], CLASSES, False
    ).to_dict()
    TrainedModel.objects.create(
        project=project, name="big", version=1, artifact_path=str(tmp_path),
        evaluation=evaluation, trained_at=timezone.now(),
        split_counts={"train": 80_000, "validation": N, "test": N},
    )  # fmt: skip
    wrong = sum(p["expected"] != p["predicted"] for p in validation)
    client.force_login(viewer)

    listing = client.get("/projects/Reviews/performance/")
    assert listing.status_code == 200
    assert f'data-value="{N}"' in listing.content.decode()

    details = client.get("/projects/Reviews/performance/big/")
    assert details.status_code == 200
    assert f"<dd>{N}</dd>" in details.content.decode()  # test and validation documents

    export = client.get("/projects/Reviews/performance/big/evaluation.csv")
    assert export.status_code == 200
    per_class = export.content.decode().split("\n\n")[0]  # the confusion matrix follows
    rows = list(csv.DictReader(io.StringIO(per_class)))
    assert sum(int(r["support"]) for r in rows if r["class"] in CLASSES) == N

    improve = client.get("/projects/Reviews/improve/?model=big")
    assert improve.status_code == 200
    assert f"({N} documents, {wrong} wrong)" in improve.content.decode()

    review = client.get("/api/projects/Reviews/models/big/review")
    assert review.status_code == 200
    body = review.json()
    assert (body["validation_documents"], body["incorrect"]) == (N, wrong)
    assert len(body["items"]) == 200


def test_compare_pairs_two_models_on_the_same_10000_documents(client, project, viewer, tmp_path):
    """Compare reads both results files and runs the paired bootstrap over 10,000 documents."""
    rng = random.Random(8)
    for i, name in enumerate(CLASSES):
        Class.objects.create(project=project, name=name, order=i)
    first = _predictions(N, rng, "t")
    # The second model: the same documents, right on a tenth of the first's mistakes more.
    second = [
        p | {"predicted": p["expected"]} if p["expected"] != p["predicted"] and i % 10 else p
        for i, p in enumerate(first)
    ]
    for name, test in (("first", first), ("second", second)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "evaluation_results.json").write_text(
            json.dumps({"split": {}, "validation": [], "test": test})
        )
        evaluation = evaluate(
            [p["expected"] for p in test], [p["predicted"] for p in test], CLASSES, False
        ).to_dict()
        TrainedModel.objects.create(
            project=project, name=name, version=1, artifact_path=str(folder),
            evaluation=evaluation, trained_at=timezone.now(),
            split_counts={"train": 80_000, "validation": 0, "test": N},
        )  # fmt: skip
    client.force_login(viewer)
    response = client.get("/projects/Reviews/performance/compare/?a=first&b=second")
    assert response.status_code == 200
    noise = response.context["noise"]
    assert (noise["paired"], noise["documents"]) == (True, N)
    micro = noise["figures"]["micro_f1"]
    assert micro["larger_than_noise"] is True
    assert 0 < micro["ci"][0] <= micro["delta"] <= micro["ci"][1]
