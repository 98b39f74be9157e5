"""The `Classifier` (encoder + linear head + thresholds) and its `Prediction`s."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from training.engine.encoder import Encoder

PREDICT_BATCH_SIZE = 128


@dataclass
class Prediction:
    """`classes`: the chosen class(es); `scores`: (class, confidence), most confident first."""

    classes: list[str]
    scores: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"classes": self.classes, "scores": [[c, s] for c, s in self.scores]}


class Classifier:
    """Texts in, class confidences and decisions out. Single-label: softmax, the argmax is
    chosen. Multi-label: one sigmoid per class, chosen when at or above its threshold."""

    def __init__(
        self,
        encoder: Encoder,
        head: torch.nn.Linear,
        classes: list[str],
        multi_label: bool,
        thresholds: np.ndarray | None = None,
    ) -> None:
        self.encoder = encoder
        # Eval mode once here rather than on every predict: walking the module tree costs
        # time on each single-document request.
        self.encoder.model.eval()
        self.head = head.to(encoder.device).eval()
        self.classes = list(classes)
        self.multi_label = multi_label
        self.thresholds = (
            np.asarray(thresholds, dtype=np.float64)
            if thresholds is not None
            else np.full(len(classes), 0.5)
        )

    def probabilities(
        self,
        texts: list[str],
        *,
        batch_size: int = PREDICT_BATCH_SIZE,
        on_batch: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Documents x classes confidences, computed in length-sorted batches."""
        ids = self.encoder.tokenize(texts)
        out = np.zeros((len(texts), len(self.classes)), dtype=np.float64)
        done = 0
        if self.encoder.model.training:  # fine-tuning switched it back; a flag check is cheap
            self.encoder.model.eval()
        with torch.inference_mode():
            for rows, batch in self.encoder.batches(ids, batch_size):
                logits = self.head(self.encoder.embed(batch))
                out[rows] = self._confidences(logits)
                done += len(rows)
                if on_batch is not None:
                    on_batch(done)
        return out

    def confidences(self, embeddings: np.ndarray) -> np.ndarray:
        """Documents x classes confidences of embeddings already computed by the encoder, so
        a caller that needs both does not run the encoder twice."""
        with torch.inference_mode():
            logits = self.head(torch.from_numpy(embeddings).to(self.encoder.device))
            return self._confidences(logits)

    def _confidences(self, logits: torch.Tensor) -> np.ndarray:
        scores = torch.sigmoid(logits) if self.multi_label else logits.softmax(dim=-1)
        return scores.double().cpu().numpy()

    def decide(self, probabilities: np.ndarray) -> list[list[str]]:
        if self.multi_label:
            chosen = probabilities >= self.thresholds
            return [[self.classes[j] for j in np.flatnonzero(row)] for row in chosen]
        return [[self.classes[j]] for j in probabilities.argmax(axis=1)]

    def predict(
        self, texts: list[str], *, top: int | None = None, batch_size: int = PREDICT_BATCH_SIZE
    ) -> list[Prediction]:
        """Chosen classes plus the `top` most confident (class, confidence) pairs (all if None)."""
        probabilities = self.probabilities(texts, batch_size=batch_size)
        decisions = self.decide(probabilities)
        predictions = []
        for row, chosen in zip(probabilities, decisions, strict=True):
            order = np.argsort(-row, kind="stable")[:top]
            scores = [(self.classes[j], float(row[j])) for j in order]
            predictions.append(Prediction(chosen, scores))
        return predictions
