"""The rules a project's data is judged by before training, and the words they are said in.

The Distribution page, the Train page's readiness table, the training service's warnings and
their APIs all read them from here, so no two places disagree on how many tagged documents are
too few or on how the automatic split divides the documents.
"""

from __future__ import annotations

# Azure's guidance: a class with fewer tagged documents than this trains, but predicts weakly.
FEW_TAGS = 15
# Classes are unbalanced when the largest has more than this many times the smallest's tags.
IMBALANCE_RATIO = 10
# What training does with documents in the automatic split (the engine's split function; a
# test checks that they agree).
AUTOMATIC_SPLIT = {"train": 80, "validation": 10, "test": 10}
AUTOMATIC_SPLIT_TEXT = "80 % train, 10 % validation, 10 % test"


def few_tags_message(name: str, tagged: int) -> str:
    """The warning for a class under FEW_TAGS, said the same on every page and in every API."""
    has = f"only {tagged}" if tagged else "no"
    plural = "" if tagged == 1 else "s"
    return (
        f"{name} has {has} tagged document{plural}: tag at least {FEW_TAGS} so the model "
        "learns it well and can be tested on it."
    )


def imbalance_message(most: str, most_tags: int, least: str, least_tags: int) -> str:
    return (
        f"The classes are very unbalanced: {most} has {most_tags} tagged documents, {least} "
        f"only {least_tags}. The model will lean towards {most}; tag more {least} documents if "
        "you can."
    )


def is_unbalanced(most_tags: int, least_tags: int) -> bool:
    return most_tags > IMBALANCE_RATIO * least_tags
