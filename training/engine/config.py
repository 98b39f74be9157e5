"""`TrainConfig`: the knobs of one training run, JSON round-trippable for the studio's database."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from training.engine.errors import EngineError

MODES = ("quick", "standard")
DEVICES = ("auto", "cpu", "cuda")


@dataclass
class TrainConfig:
    """Everything that shapes a run besides the data; `None` means "the mode's default"
    (`quick` has no epochs or learning rate; `standard`'s defaults live in finetune.py)."""

    mode: str = "quick"
    base_model: str | None = None
    seed: int = 42
    epochs: int | None = None
    batch_size: int = 32
    # 128 word pieces cover a short news article or a long support message; longer texts are
    # truncated, which keeps memory bounded by batch_size x max_length.
    max_length: int = 128
    learning_rate: float | None = None
    device: str = "auto"
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise EngineError("invalid_config", f"mode must be one of {MODES}, not {self.mode!r}")
        if self.device not in DEVICES:
            raise EngineError(
                "invalid_config", f"device must be one of {DEVICES}, not {self.device!r}"
            )
        if self.batch_size < 1:
            raise EngineError("invalid_config", "batch_size must be at least 1")
        if self.max_length < 8:
            raise EngineError("invalid_config", "max_length must be at least 8")
        if self.epochs is not None and self.epochs < 1:
            raise EngineError("invalid_config", "epochs must be at least 1")
        if self.learning_rate is not None and self.learning_rate <= 0:
            raise EngineError("invalid_config", "learning_rate must be positive")
        if self.threads is not None and self.threads < 1:
            raise EngineError("invalid_config", "threads must be at least 1")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build from stored JSON, ignoring keys a newer or older engine wrote."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
