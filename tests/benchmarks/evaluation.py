"""The evaluation pages benchmark: `python -m tests.benchmarks.evaluation [--json]`.

Times the pages and API that show a model's evaluation (performance list, model details, CSV
export, Improve page, review API) for a model evaluated on 10,000 documents, against a naive
implementation measured in the same run: one that recomputes the evaluation from the
per-document results file on every load (parse the file, `training.engine.evaluate.evaluate`
on the stored predictions) instead of reading the summary stored on the model row and the
cached validation list. Target: every page answers in under 300 ms.

It runs in process with Django's test `Client` on a temporary data folder (SQLite), so the
numbers are Django's own time (URL routing, session auth, SQL, rendering) without a server or
network in front.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DOCUMENTS = 10_000
CLASSES = [f"class-{i}" for i in range(12)]
TARGET_MS = 300.0
SEED = 7
PROJECT = "Bench"
MODEL = "big"

PAGES = {
    "performance list": f"/projects/{PROJECT}/performance/",
    "model details": f"/projects/{PROJECT}/performance/{MODEL}/",
    "CSV export": f"/projects/{PROJECT}/performance/{MODEL}/evaluation.csv",
    "Improve page": f"/projects/{PROJECT}/improve/?model={MODEL}",
    "review API": f"/api/projects/{PROJECT}/models/{MODEL}/review",
}


def predictions(ids: list[str], rng: random.Random) -> list[dict[str, Any]]:
    """Per-document results as training writes them: 80% right, confidences for every class."""
    rows = []
    for doc_id in ids:
        expected = rng.choice(CLASSES)
        predicted = expected if rng.random() < 0.8 else rng.choice(CLASSES)
        scores = {c: round(rng.random() / 10, 4) for c in CLASSES} | {predicted: 0.9}
        rows.append({"id": doc_id, "expected": [expected], "predicted": [predicted],
                     "confidences": scores, "location": f"{doc_id}.txt"})  # fmt: skip
    return rows


def build(artifact: Path, documents: int) -> Any:
    """A user, a project with 12 classes, `documents` validation documents (tagged, so the
    review's document lookups are real) and a model evaluated on `documents` test documents."""
    import hashlib

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from projects.models import Class, Document, Split, Tag
    from projects.services import create_project
    from training.engine.evaluate import evaluate
    from training.models import TrainedModel

    rng = random.Random(SEED)
    user = get_user_model().objects.create_user(username="bench", password="bench-password-42")
    project = create_project(owner=user, name=PROJECT, kind="single_label")
    classes = {
        name: Class.objects.create(project=project, name=name, order=i)
        for i, name in enumerate(CLASSES)
    }
    texts = [
        f"Validation document number {i} about {rng.choice(CLASSES)}" for i in range(documents)
    ]
    docs = Document.objects.bulk_create(
        Document(project=project, name=f"v{i}.txt", text=text, split=Split.TRAIN,
                 content_hash=hashlib.sha256(text.encode()).hexdigest())
        for i, text in enumerate(texts)
    )  # fmt: skip
    validation = predictions([str(d.pk) for d in docs], rng)
    Tag.objects.bulk_create(
        Tag(document=d, category=classes[p["expected"][0]], exclusive=True)
        for d, p in zip(docs, validation, strict=True)
    )
    test = predictions([f"t{i}" for i in range(documents)], rng)
    artifact.mkdir(parents=True)
    (artifact / "evaluation_results.json").write_text(
        json.dumps({"split": {}, "validation": validation, "test": test})
    )
    evaluation = evaluate(
        [p["expected"] for p in test], [p["predicted"] for p in test], CLASSES, False
    ).to_dict()
    TrainedModel.objects.create(
        project=project, name=MODEL, version=1, artifact_path=str(artifact),
        evaluation=evaluation, trained_at=timezone.now(),
        split_counts={"train": 8 * documents, "validation": documents, "test": documents},
    )  # fmt: skip
    return user


@contextmanager
def naive() -> Iterator[None]:
    """The baseline: every load parses the results file and rescores the test predictions, and
    the review parses the validation part again (no stored summary, no cache)."""
    from projects.models import Class
    from training import evaluation as ev
    from training import selectors
    from training.engine.evaluate import evaluate

    get_model, trained_models = selectors.get_model, selectors.trained_models
    validation_results = ev.validation_results

    def rescored(model: Any) -> Any:
        test = selectors.evaluation_results(model, "test")
        classes = list(
            Class.objects.filter(project_id=model.project_id)
            .order_by("order", "id")
            .values_list("name", flat=True)
        )
        expected = [p["expected"] for p in test]
        predicted = [p["predicted"] for p in test]
        model.evaluation = evaluate(expected, predicted, classes, False).to_dict()
        return model

    selectors.get_model = lambda project, name: rescored(get_model(project, name))
    selectors.trained_models = lambda project: [rescored(m) for m in trained_models(project)]
    ev.validation_results = lambda model: selectors.evaluation_results(model, "validation")
    try:
        yield
    finally:
        selectors.get_model, selectors.trained_models = get_model, trained_models
        ev.validation_results = validation_results


def timed_get(client: Any, url: str) -> tuple[float, bytes]:
    """Milliseconds of one GET, and its body."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, response.content


def measure(client: Any, loads: int) -> dict[str, dict[str, Any]]:
    """Per page and way (ours, naive): p50, max and the last body. The two ways alternate load
    by load, so a change in the machine's load hits both alike; one warm-up load each first."""
    results: dict[str, dict[str, Any]] = {}
    for page, url in PAGES.items():
        times: dict[str, list[float]] = {"ours": [], "naive": []}
        bodies: dict[str, bytes] = {}
        for load in range(loads + 1):
            for way in ("ours", "naive"):
                with naive() if way == "naive" else _nothing():
                    elapsed, bodies[way] = timed_get(client, url)
                if load:  # the first round warms caches, templates and the connection
                    times[way].append(elapsed)
        results[page] = {
            way: {"p50_ms": statistics.median(t), "max_ms": max(t), "body": bodies[way]}
            for way, t in times.items()
        }
    return results


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    parser.add_argument("--loads", type=int, default=10, help="Timed loads per page and mode.")
    parser.add_argument("--documents", type=int, default=DOCUMENTS, help="Evaluated documents.")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="studio-bench-evaluation-") as tmp:
        for name in ("DATABASE_URL", "DEBUG"):
            os.environ.pop(name, None)
        os.environ |= {"STUDIO_DATA_DIR": tmp, "STUDIO_LOG_LEVEL": "WARNING"}
        os.environ["DJANGO_SETTINGS_MODULE"] = "studio.settings"
        import django
        from django.conf import settings

        django.setup()
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        user = build(Path(tmp) / "artifact", args.documents)
        client = Client()
        client.force_login(user)
        report: dict[str, Any] = {
            "documents": args.documents,
            "loads": args.loads,
            "setup_s": round(time.perf_counter() - started, 1),
            "cpu_count": os.cpu_count(),
            # Other processes on a small machine skew every number: the load says how busy it was.
            "load_before": round(os.getloadavg()[0], 2),
        }
        results = measure(client, args.loads)
        report["load_after"] = round(os.getloadavg()[0], 2)
    # Both ways must show the same figures: the CSV and the review API are compared byte for byte
    # (the HTML pages carry a per-response CSRF token, so only their status is checked).
    for page in ("CSV export", "review API"):
        ours, baseline = results[page]["ours"]["body"], results[page]["naive"]["body"]
        assert ours == baseline, f"{page} differs from the baseline"
    report["pages"] = [
        {
            "page": page,
            "url": url,
            "naive_p50_ms": round(results[page]["naive"]["p50_ms"], 1),
            "naive_max_ms": round(results[page]["naive"]["max_ms"], 1),
            "ours_p50_ms": round(results[page]["ours"]["p50_ms"], 1),
            "ours_max_ms": round(results[page]["ours"]["max_ms"], 1),
            "met": results[page]["ours"]["max_ms"] < TARGET_MS,
        }
        for page, url in PAGES.items()
    ]
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


def print_table(report: dict[str, Any]) -> None:
    print(
        f"Evaluation pages, model evaluated on {report['documents']:,} documents; "
        f"{report['loads']} loads per page and way, alternating, after one warm-up "
        f"(Django test Client, SQLite); "
        f"{report['cpu_count']} CPU cores, load average {report['load_before']} before, "
        f"{report['load_after']} after"
    )
    print()
    print(
        f"| page | naive p50 ms | naive max ms | ours p50 ms | ours max ms | < {TARGET_MS:.0f} ms |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for r in report["pages"]:
        cells = [r["page"]]
        cells += [f"{r[k]:,.1f}" for k in ("naive_p50_ms", "naive_max_ms", "ours_p50_ms")]
        cells += [f"{r['ours_max_ms']:,.1f}", "met" if r["met"] else "missed"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
