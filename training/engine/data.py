"""`TrainingData`: the tagged documents a run learns from, checked once, plus a JSONL reader."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from training.engine.errors import EngineError

SPLIT_VALUES = ("train", "test")


@dataclass
class TrainingData:
    """Documents with their tags. Single-label documents carry exactly one class each;
    multi-label documents carry any number (none included)."""

    texts: list[str]
    labels: list[list[str]]
    classes: list[str]
    multi_label: bool
    ids: list[str]
    manual_split: list[str] | None = None

    def validate(self) -> None:
        """Raise `EngineError` for data no model can be trained from."""
        n = len(self.texts)
        if len(self.labels) != n or len(self.ids) != n:
            raise EngineError("invalid_data", "texts, labels and ids must have the same length")
        if self.manual_split is not None and len(self.manual_split) != n:
            raise EngineError("invalid_data", "manual_split must have one entry per document")
        if len(set(self.ids)) != n:
            raise EngineError("invalid_data", "document ids must be unique")
        if len(set(self.classes)) != len(self.classes):
            raise EngineError("invalid_data", "class names must be unique")
        known = set(self.classes)
        for doc_id, tags in zip(self.ids, self.labels, strict=True):
            unknown = set(tags) - known
            if unknown:
                raise EngineError(
                    "invalid_data", f"document {doc_id!r} is tagged with unknown {sorted(unknown)}"
                )
            if not self.multi_label and len(tags) != 1:
                raise EngineError(
                    "invalid_data",
                    f"document {doc_id!r} must have exactly one class in a single-label project",
                )
        if self.manual_split is not None and set(self.manual_split) - set(SPLIT_VALUES):
            raise EngineError("invalid_data", f"manual_split values must be in {SPLIT_VALUES}")
        if len(self.class_counts()) < 2:
            raise EngineError(
                "too_few_classes", "At least 2 classes need tagged documents to train a model."
            )

    def class_counts(self) -> Counter[str]:
        return Counter(tag for tags in self.labels for tag in tags)


def read_jsonl(path: str | Path, *, multi_label: bool | None = None) -> TrainingData:
    """Read one JSON object per line: `text`, `labels` (list) or `label` (str), optional `id`
    and `split` ("train"/"test"). Kind is inferred when not given: any document without
    exactly one label makes the data multi-label."""
    texts, labels, ids, splits = [], [], [], []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            tags = row["labels"] if "labels" in row else [row["label"]]
            texts.append(row["text"])
            labels.append(list(tags))
            ids.append(str(row.get("id", number)))
            splits.append(row.get("split"))
    if multi_label is None:
        multi_label = any(len(tags) != 1 for tags in labels)
    classes = sorted({tag for tags in labels for tag in tags})
    given = [s is not None for s in splits]
    if any(given) and not all(given):
        raise EngineError("invalid_data", "either every line has a split or none has")
    manual = splits if given and all(given) else None
    return TrainingData(texts, labels, classes, multi_label, ids, manual)
