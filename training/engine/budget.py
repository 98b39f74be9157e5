"""How many epochs `standard` plans for a project (finetune.py's rule) and about how long they
take on a CPU, torch-free so that the Train page can say both before the user clicks Train."""

from __future__ import annotations

import math

MIN_STEPS = 100
MIN_EPOCHS = 4
MAX_EPOCHS = 100
# Fewer validation documents than this do not choose the epoch, so every planned epoch runs
# (finetune.py's docstring says why); with more, a run may stop early.
SMALL_VALIDATION = 50

# Seconds one document costs per epoch of `standard` on a CPU: a fixed part and a part per word
# piece it keeps (at most `TrainConfig.max_length`). Both cover the forward and backward pass of
# its training step and its share of the validation scoring after each epoch. Measured with the
# bundled MiniLM on the development box's 2 idle cores, on documents of 8 and 80 word pieces
# (docs/training.md, "How long standard takes"): a rough rate, not a promise; a machine busy
# with other work is slower, a GPU much faster.
CPU_SECONDS_PER_DOCUMENT = 0.025
CPU_SECONDS_PER_WORD_PIECE = 0.001
# Word pieces per character of English text (for a length known in characters), plus the two
# markers every document gets.
WORD_PIECES_PER_CHAR = 0.2
MARKERS = 2


def planned_epochs(steps_per_epoch: int) -> int:
    """Enough epochs for MIN_STEPS optimizer steps, within [MIN_EPOCHS, MAX_EPOCHS]."""
    return min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(MIN_STEPS / steps_per_epoch)))


def automatic_epochs(train_documents: int, batch_size: int) -> int:
    """The epochs `standard` runs when none are asked for (the run may stop earlier when its
    validation documents are enough to choose the epoch: see finetune.py)."""
    return planned_epochs(max(1, math.ceil(train_documents / batch_size)))


def estimated_seconds(documents: int, epochs: int, *, mean_chars: float, max_length: int) -> float:
    """About how long `epochs` epochs of fine-tuning take on a CPU for `documents` training and
    validation documents of `mean_chars` characters on average."""
    pieces = min(max_length, mean_chars * WORD_PIECES_PER_CHAR + MARKERS)
    per_epoch = CPU_SECONDS_PER_DOCUMENT + pieces * CPU_SECONDS_PER_WORD_PIECE
    return documents * epochs * per_epoch
