"""Fixtures for training tests: tagged documents written with the ORM, and a job poller."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import pytest

from projects.models import Class, Document, Project, Split, Tag
from training.models import TrainingJob

TEXTS = {
    "sport": [
        "The team won the football match",
        "A great goal in the final minute",
        "The striker scored twice",
        "The coach praised the defenders after the league game",
        "Tennis champion wins the open in straight sets",
        "The runner broke the marathon record",
        "Basketball playoffs start next week",
        "The goalkeeper saved a penalty",
        "Cyclists climbed the mountain stage",
        "The rugby team trained in the rain",
        "A late try won the cup final",
        "The swimmer took gold in the relay",
    ],
    "food": [
        "This pasta recipe is delicious",
        "Bake the bread for twenty minutes",
        "A tasty soup with garlic",
        "Chop the onions and fry them in butter",
        "The restaurant serves fresh sushi",
        "Add sugar and stir the sauce slowly",
        "Roast the chicken with lemon and thyme",
        "A chocolate cake for dessert",
        "The salad needs more olive oil",
        "Grill the vegetables until soft",
        "Our chef makes the best pizza dough",
        "Simmer the beans with tomatoes",
    ],
}


def add_tagged(
    project: Project, texts: dict[str, list[str]] | None = None, *, extra_class: str | None = None
) -> list[Document]:
    """Documents tagged with their class (exclusive tags in single-label projects); in
    multi-label projects every fourth document also gets `extra_class` when given."""
    texts = texts or TEXTS
    exclusive = not project.is_multi_label
    documents = []
    classes = {
        name: Class.objects.get_or_create(project=project, name=name, defaults={"order": i})[0]
        for i, name in enumerate([*texts, *([extra_class] if extra_class else [])])
    }
    for name, lines in texts.items():
        for i, text in enumerate(lines):
            doc = Document.objects.create(
                project=project,
                name=f"{name}-{i}.txt",
                text=text,
                split=Split.TEST if i % 5 == 4 else Split.TRAIN,
                content_hash=hashlib.sha256(text.encode()).hexdigest(),
            )
            Tag.objects.create(document=doc, category=classes[name], exclusive=exclusive)
            if extra_class and not exclusive and i % 4 == 0:
                Tag.objects.create(document=doc, category=classes[extra_class])
            documents.append(doc)
    return documents


def wait_for_job(job_id: str, *, timeout_s: float = 180) -> TrainingJob:
    """Poll the row until the job ends (the worker is another process)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = TrainingJob.objects.get(job_id=job_id)
        if not job.is_active:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not end in {timeout_s}s: {job.status} {job.phase}")


@pytest.fixture
def tagged() -> Callable[..., list[Document]]:
    return add_tagged
