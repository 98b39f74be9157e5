"""The `Classifier` (encoder + linear head + thresholds) and its `Prediction`s."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from training.engine.encoder import Encoder, length_sorted_batches, token_budget

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
        budget = token_budget(self.encoder.device)
        with torch.inference_mode():
            for rows in length_sorted_batches(ids, batch_size, budget):
                logits = self.head(self.encoder.embed(self.encoder.collate([ids[i] for i in rows])))
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

    def quantized(self) -> Classifier:
        """An int8 copy: dynamic quantization of the encoder's linear layers (CPU only), with
        one weight scale per output channel rather than one per matrix (the same int8 kernels,
        half the decisions changed). The head stays fp32, and so do the feed-forward output
        layers (see `int8_layers`)."""
        model = copy.deepcopy(self.encoder.model).cpu()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao.quantization announces its successor
            model = torch.ao.quantization.quantize_dynamic(
                model,
                dict.fromkeys(
                    int8_layers(model), torch.ao.quantization.per_channel_dynamic_qconfig
                ),
                dtype=torch.qint8,
            )
        encoder = Encoder(
            self.encoder.tokenizer, model, self.encoder.max_length, torch.device("cpu")
        )
        return Classifier(
            encoder, copy.deepcopy(self.head).cpu(), self.classes, self.multi_label, self.thresholds
        )


def int8_layers(model: torch.nn.Module) -> list[str]:
    """Names of the linear layers to quantize: all but those that read the feed-forward block's
    inner activations (in BERT-like encoders `layer.N.output.dense`, 1,536 -> 384 in MiniLM).

    Dynamic int8 gives each input one scale per row, and the activations after GELU carry a few
    large outliers that make that scale coarse for everything else. Keeping those six matrices
    in fp32 cut the decisions int8 changes from 4.4% to 2.5% (quick, AG News development sample,
    4 seeds) and from 7.0% to 4.4% (standard, NLU++ low-data, 2 seeds), for 5-10% of int8
    throughput (docs/benchmarks.md, 2026-11-25 int8 layers).
    """
    inner = getattr(getattr(model, "config", None), "intermediate_size", None)
    return [
        name
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and module.in_features != inner
    ]
