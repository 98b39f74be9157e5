"""Fixtures for deployment tests: trained-model rows (with or without a real artifact)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone

from training.models import TrainedModel


@pytest.fixture
def make_model() -> Callable[..., TrainedModel]:
    """A TrainedModel row at `version` pointing at `artifact_path` (loaded only to predict)."""

    def make(project, name="m1", version=1, artifact_path="/nowhere/v1", f1=0.9):
        return TrainedModel.objects.create(
            project=project,
            name=name,
            version=version,
            artifact_path=artifact_path if version else "",
            evaluation={"micro_f1": f1} if version else None,
            trained_at=timezone.now() if version else None,
        )

    return make


SPORT = [
    "The team won the football match",
    "A great goal in the final minute",
    "The striker scored twice",
]
FOOD = [
    "This pasta recipe is delicious",
    "Bake the bread for twenty minutes",
    "A tasty soup with garlic",
]


def build_artifact(folder, examples: dict[str, list[str]], *, multi_label: bool = False):
    """A real artifact: MiniLM embeddings and a linear head fitted on `examples` in a second.

    Uses `training.engine.train.train` (quick mode) when the engine has it; otherwise fits the
    head here with the engine's own encoder, classifier and artifact writer.
    """
    import numpy as np
    import torch

    from training.engine.artifacts import save_artifact
    from training.engine.classifier import Classifier
    from training.engine.encoder import default_base_model, load_encoder

    classes = sorted(examples)
    texts = [t for c in classes for t in examples[c]]
    targets = torch.tensor([classes.index(c) for c in classes for _ in examples[c]])
    encoder = load_encoder(default_base_model(), max_length=64, device=torch.device("cpu"))
    x = torch.from_numpy(encoder.encode(texts))
    torch.manual_seed(0)
    head = torch.nn.Linear(x.shape[1], len(classes))
    optimiser = torch.optim.Adam(head.parameters(), lr=0.05)
    for _ in range(200):
        optimiser.zero_grad()
        logits = head(x)
        if multi_label:
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, torch.nn.functional.one_hot(targets, len(classes)).float()
            )
        else:
            loss = torch.nn.functional.cross_entropy(logits, targets)
        loss.backward()
        optimiser.step()
    classifier = Classifier(encoder, head, classes, multi_label, np.full(len(classes), 0.5))
    save_artifact(classifier, folder, config={"mode": "quick"}, metrics={})
    return str(folder)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory):
    """Two versions of a single-label model with different classes, and a multi-label one."""
    root = tmp_path_factory.mktemp("artifacts")
    return {
        "v1": build_artifact(root / "v1", {"sport": SPORT, "food": FOOD}),
        "v2": build_artifact(root / "v2", {"athletics": SPORT, "cooking": FOOD}),
        "multi": build_artifact(root / "multi", {"sport": SPORT, "food": FOOD}, multi_label=True),
    }


@pytest.fixture(autouse=True)
def _fresh_serving_caches() -> None:
    """Each test starts without deployments, keys or projects cached by the one before (ids get
    reused)."""
    from projects.permissions import member_cache
    from studio.auth import key_cache
    from training.deployments import deployment_cache

    key_cache.clear()
    deployment_cache.clear()
    member_cache.clear()
