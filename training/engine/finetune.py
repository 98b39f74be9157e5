"""`standard` mode: fine-tune the encoder and its linear head together, starting from the
`quick` solution ("linear probe, then fine-tune"), keeping the epoch best on validation when
there are at least SMALL_VALIDATION validation documents, else the last epoch.

Why this recipe (docs/benchmarks.md has the measurements):
- Starting the head from logistic regression on frozen embeddings means fine-tuning begins at
  the frozen-embedding accuracy instead of a random head, so the first updates refine the
  encoder rather than undo it (Kumar et al. 2022, "Fine-Tuning can Distort Pretrained
  Features"): the few-shot regime where that matters most is this studio's common case.
- Plain cross-entropy (softmax) or binary cross-entropy (one sigmoid per class) on mean-pooled,
  normalised embeddings keeps one objective for both project kinds, and its gradient
  accumulates exactly over micro-batches, so a CPU step can be cut into pieces that each take
  well under a second (cancel and progress stay responsive, memory stays bounded).
- The budget is counted in optimizer steps, not epochs (budget.py): a few-shot project (32
  documents is one step per epoch) needs many epochs to move at all, a large one needs few.
  With at least SMALL_VALIDATION validation documents, validation picks the epoch kept and
  training stops after a third of the planned epochs (at least PATIENCE) without gain. Below
  that (a few-shot
  project's carve-out of 4 to 30 documents) validation scores are ties and noise: training runs
  every planned step and keeps the last epoch, which did better on the AG News development
  sample at K = 8 and 64 (docs/benchmarks.md). Epoch 0 (the linear probe) is never a candidate:
  fine-tuning helped in every setting measured.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from training.engine.budget import SMALL_VALIDATION, automatic_epochs
from training.engine.classifier import Classifier
from training.engine.config import TrainConfig
from training.engine.encoder import length_sorted_batches, token_budget
from training.engine.progress import ProgressTracker
from training.engine.scoring import validation_loss, validation_score

LEARNING_RATE = 5e-5
PATIENCE = 3
WARMUP_FRACTION = 0.1
WEIGHT_DECAY = 0.01
# The head starts from a good solution; it moves at the encoder's pace times this.
HEAD_LR_MULTIPLIER = 10.0


def finetune(
    classifier: Classifier,
    train_texts: list[str],
    train_targets: np.ndarray,
    validation_texts: list[str],
    validation_targets: np.ndarray,
    config: TrainConfig,
    tracker: ProgressTracker,
    band: tuple[float, float],
    label_rate: float | None = None,
) -> list[dict]:
    """Fine-tune `classifier` in place, leaving it at its best validation epoch; returns the
    per-epoch history (epoch 0 is the starting point). `label_rate` is the project's mean
    label count (multi-label), which places the threshold behind each validation score."""
    encoder, head = classifier.encoder, classifier.head
    ids = encoder.tokenize(train_texts)
    targets = torch.from_numpy(train_targets).to(encoder.device)
    steps_per_epoch = math.ceil(len(ids) / config.batch_size)
    # budget.py's rule, which the Train page's estimate uses too.
    epochs = config.epochs or automatic_epochs(len(ids), config.batch_size)
    patience = max(PATIENCE, epochs // 3)
    learning_rate = config.learning_rate or LEARNING_RATE
    total_steps = epochs * steps_per_epoch
    tracker.begin("training", *band, total_steps=total_steps, message="Fine-tuning the encoder")
    # Epochs count from 1: the validation of the starting point belongs to the first one.
    tracker.advance(0, epoch=1, epochs=epochs)

    optimizer = torch.optim.AdamW(
        [
            {"params": encoder.model.parameters(), "lr": learning_rate},
            {"params": head.parameters(), "lr": learning_rate * HEAD_LR_MULTIPLIER},
        ],
        weight_decay=WEIGHT_DECAY,
    )
    warmup = max(1, int(total_steps * WARMUP_FRACTION))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: min((s + 1) / warmup, max(0.0, (total_steps - s) / (total_steps - warmup + 1))),
    )
    loss_fn = (
        torch.nn.BCEWithLogitsLoss(reduction="sum")
        if classifier.multi_label
        else torch.nn.CrossEntropyLoss(reduction="sum")
    )
    generator = torch.Generator().manual_seed(config.seed)
    budget = token_budget(encoder.device, training=True)

    def check_validation(step: int) -> tuple[float | None, float | None]:
        if not validation_texts:
            return None, None
        p = classifier.probabilities(validation_texts, on_batch=lambda _: tracker.advance(step))
        return (
            validation_score(p, validation_targets, classifier.multi_label, label_rate),
            validation_loss(p, validation_targets, classifier.multi_label),
        )

    score, val_loss = check_validation(0)
    history = [{"epoch": 0, "loss": None, "validation_score": score, "validation_loss": val_loss}]
    best = None
    step = 0
    for epoch in range(1, epochs + 1):
        encoder.model.train()
        head.train()
        order = torch.randperm(len(ids), generator=generator).tolist()
        epoch_loss = 0.0
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            optimizer.zero_grad(set_to_none=True)
            for rows in length_sorted_batches([ids[i] for i in batch], len(batch), budget):
                members = [batch[r] for r in rows]
                logits = head(encoder.embed(encoder.collate([ids[i] for i in members])))
                wanted = targets[members]
                loss = loss_fn(logits, wanted if classifier.multi_label else wanted.argmax(dim=1))
                per_document = (
                    loss / len(batch) / (targets.shape[1] if classifier.multi_label else 1)
                )
                per_document.backward()
                epoch_loss += float(loss.detach())
                tracker.advance(step, epoch=epoch)
            torch.nn.utils.clip_grad_norm_(
                list(encoder.model.parameters()) + list(head.parameters()), 1.0
            )
            optimizer.step()
            schedule.step()
            step += 1
            tracker.advance(
                step, epoch=epoch, loss=epoch_loss / min(start + len(batch), len(order))
            )
        encoder.model.eval()
        head.eval()
        score, val_loss = check_validation(step)
        mean_loss = epoch_loss / len(order) / (targets.shape[1] if classifier.multi_label else 1)
        history.append(
            {
                "epoch": epoch,
                "loss": mean_loss,
                "validation_score": score,
                "validation_loss": val_loss,
            }
        )
        if len(validation_texts) < SMALL_VALIDATION:
            continue
        if best is None or (score, -val_loss) > best[:2]:
            best = (score, -val_loss, epoch, _snapshot(classifier))
        elif epoch - best[2] >= patience:
            break
    kept = epoch
    if best is not None:
        kept = best[2]
        _restore(classifier, best[3])
    for entry in history:
        entry["kept"] = entry["epoch"] == kept
    tracker.advance(total_steps, message=f"Kept epoch {kept}")
    return history


def _snapshot(classifier: Classifier) -> tuple[dict, dict]:
    return (
        copy.deepcopy(classifier.encoder.model.state_dict()),
        copy.deepcopy(classifier.head.state_dict()),
    )


def _restore(classifier: Classifier, snapshot: tuple[dict, dict]) -> None:
    classifier.encoder.model.load_state_dict(snapshot[0])
    classifier.head.load_state_dict(snapshot[1])
