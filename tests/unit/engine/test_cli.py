"""`python -m training.engine.train` runs the engine from a JSONL file, without Django."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import FOOD, SPORTS

ROOT = Path(__file__).resolve().parents[3]


def test_command_line_trains_a_model_from_jsonl(tmp_path):
    data = tmp_path / "train.jsonl"
    rows = [{"text": t, "label": "sports"} for t in SPORTS] + [
        {"text": t, "label": "food"} for t in FOOD
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows))
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "training.engine.train",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "model"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    summary = json.loads(completed.stdout)
    assert summary["counts"] == {"train": 20, "validation": 2, "test": 2}
    assert (tmp_path / "model" / "encoder" / "model.safetensors").is_file()
