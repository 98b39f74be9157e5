"""The epoch rule `standard` runs by and the CPU estimate the Train page shows before training."""

from __future__ import annotations

import pytest

from training.engine import budget, finetune
from training.engine.budget import automatic_epochs, estimated_seconds


@pytest.mark.parametrize(
    ("train", "epochs"),
    [(1, 100), (32, 100), (49, 50), (97, 25), (320, 10), (3200, 4), (100_000, 4)],
)
def test_automatic_epochs_reach_the_step_budget_within_the_bounds(train, epochs):
    assert automatic_epochs(train, batch_size=32) == epochs


def test_finetune_plans_its_epochs_with_the_same_rule():
    assert finetune.automatic_epochs is budget.automatic_epochs


def test_estimate_is_documents_times_epochs_times_a_per_document_cost():
    # 35 characters is 9 word pieces: 0.025 s + 9 x 0.001 s per document and epoch.
    assert estimated_seconds(55, 50, mean_chars=35, max_length=128) == pytest.approx(93.5)
    assert estimated_seconds(110, 50, mean_chars=35, max_length=128) == pytest.approx(187)


def test_estimate_of_long_documents_stops_at_the_truncation_length():
    long = estimated_seconds(10, 4, mean_chars=10_000, max_length=128)
    assert long == pytest.approx(10 * 4 * (0.025 + 128 * 0.001))
