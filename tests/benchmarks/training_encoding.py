"""Training's own encoding on a CPU, PyTorch against the base model's ONNX Runtime graph:
`python -m tests.benchmarks.training_encoding [--docs 2000] [--rounds 3] [--json]`.

Embeds the first `--docs` AG News test rows (title and description) with the frozen base
model both ways, interleaved round by round (PyTorch, ONNX, PyTorch, ONNX, ...), then times a
whole `quick` training on the same rows both ways (`--train-rounds` each, interleaved; the
graph is exported before the first round, as a worker's cache holds it after its first run).
Prints docs/s, the ratio, the largest embedding difference and the load average before and
after: the machine is shared, so compare the ratio, not the absolute figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from tests.benchmarks.accuracy import DEFAULT_DATASETS, ag_news

WARMUP = 64


def encoding_rounds(texts: list[str], rounds: int, cache: Path) -> dict[str, Any]:
    from training.engine import exported
    from training.engine.encoder import default_base_model, load_encoder
    from training.engine.runtime import resolve_device

    base = default_base_model()
    encoders = {"pytorch": load_encoder(base, max_length=128, device=resolve_device("cpu"))}
    encoders["onnx"] = load_encoder(base, max_length=128, device=resolve_device("cpu"))
    started = time.perf_counter()
    assert exported.use_base_graph(encoders["onnx"], base, cache), "no ONNX graph"
    export_s = time.perf_counter() - started
    for encoder in encoders.values():
        encoder.encode(texts[:WARMUP])
    seconds: dict[str, list[float]] = {name: [] for name in encoders}
    embeddings = {}
    for _ in range(rounds):
        for name, encoder in encoders.items():
            started = time.perf_counter()
            embeddings[name] = encoder.encode(texts)
            seconds[name].append(time.perf_counter() - started)
    return {
        "export_s": round(export_s, 2),
        "seconds": seconds,
        "max_abs_diff": float(np.abs(embeddings["onnx"] - embeddings["pytorch"]).max()),
    }


def training_rounds(
    texts: list[str], labels: list[str], classes: list[str], rounds: int, cache: Path
) -> dict[str, Any]:
    from training.engine.config import TrainConfig
    from training.engine.data import TrainingData
    from training.engine.train import train

    data = TrainingData(
        texts, [[label] for label in labels], classes, False, [str(i) for i in range(len(texts))]
    )
    config = TrainConfig(mode="quick", device="cpu", threads=2)
    seconds: dict[str, list[float]] = {"pytorch": [], "onnx": []}
    accuracy: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(rounds):
            for name, cache_dir in (("pytorch", None), ("onnx", cache)):
                started = time.perf_counter()
                result = train(
                    data, config, Path(scratch) / f"{name}-{round_}", cache_dir=cache_dir
                )
                seconds[name].append(time.perf_counter() - started)
                accuracy[name] = result.evaluation.to_dict().get("accuracy", float("nan"))
    return {"seconds": seconds, "test_accuracy": accuracy}


def _rates(seconds: dict[str, list[float]], docs: int) -> dict[str, Any]:
    median = {name: statistics.median(values) for name, values in seconds.items()}
    return {
        "seconds": {name: [round(s, 2) for s in values] for name, values in seconds.items()},
        "docs_per_s": {name: round(docs / s, 1) for name, s in median.items()},
        "speedup": round(median["pytorch"] / median["onnx"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.training_encoding")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="Encoding rounds per path.")
    parser.add_argument("--train-rounds", type=int, default=2, help="0 skips training.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(2)
    texts, labels, classes = ag_news(args.datasets)
    texts, labels = texts[: args.docs], labels[: args.docs]
    report: dict[str, Any] = {"docs": len(texts), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as cache:
        encoding = encoding_rounds(texts, args.rounds, Path(cache))
        report["encoding"] = {**_rates(encoding.pop("seconds"), len(texts)), **encoding}
        if args.train_rounds:
            training = training_rounds(texts, labels, classes, args.train_rounds, Path(cache))
            report["quick_training"] = {
                **_rates(training.pop("seconds"), len(texts)),
                **training,
            }
    report["load_after"] = os.getloadavg()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['docs']} AG News rows, load average before {report['load_before']}")
    for part in ("encoding", "quick_training"):
        if part in report:
            row = report[part]
            print(
                f"{part}: PyTorch {row['docs_per_s']['pytorch']} docs/s, ONNX Runtime "
                f"{row['docs_per_s']['onnx']} docs/s, {row['speedup']}x; seconds {row['seconds']}"
            )
    encoding = report["encoding"]
    print(f"export {encoding['export_s']} s, max abs diff {encoding['max_abs_diff']:.2e}")
    print(f"load average after {report['load_after']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
