"""The serving benchmark: `python -m tests.benchmarks.serving [--json]`.

Measures what a deployed model costs to call, against the naive way of calling it, in one run:

1. The engine, variant by variant, each in a fresh child process, interleaved round by round:
   the baseline engine (`--baseline`, default the newest commit with the hand-made int8 path:
   traced TorchScript, SmoothQuant int8) in int8 and fp32, this tree's ONNX Runtime fp32 and
   int8, and the naive way (ONNX Runtime fp32, one document per call). Documents/s for short
   texts (AG News titles) and news-length texts (title and description), single-document p50
   in process and peak memory; with `--accuracy`, each variant's accuracy, agreement with fp32
   and embedding cosine to fp32 on AG News and HWU64 samples.
2. The HTTP API of a real ASGI server (Daphne, as `manage.py studio` starts it) on a temporary
   data folder: single-document latency p50/p99 through the studio classify route, and
   throughput through the same route with 1,000 short documents per request, plus the naive
   "one request per document" rate.
3. The same classify route in process (Django's test Client, no server): single-document p50
   and SQL queries per request with the per-process API-key, project and deployment caches,
   against clearing all three before every request (the naive lookups), alternating request
   by request.

The model is a quick-mode model (MiniLM embeddings and a linear head) trained here on a few
dozen AG News rows per class, or on self-written sentences when the benchmark data sets
(../shared/datasets) are not on this machine. Targets (2 cores): at least 1,000 short
documents/s through the batch endpoint and a single-document p50 under 20 ms end to end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from studio.processes import Child, start_asgi_server, stop_all

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATASETS = ROOT.parent / "shared" / "datasets"
TRAIN_PER_CLASS = 32
SEED = 0
SHORT_TARGET_DOCS_S = 1000.0
P50_TARGET_MS = 20.0

# Used only when the AG News file is missing: four topics, a few templates each.
FALLBACK = {
    "Sport": ["The {} won the final after extra time", "A late goal lifted the {} to the title"],
    "Business": ["Shares of the {} fell after weak profits", "The {} agreed to buy a rival firm"],
    "Science": ["Researchers at the {} found a new planet", "The {} launched a weather satellite"],
    "World": ["Leaders met the {} to discuss the border", "Elections in the {} were delayed"],
}
FALLBACK_NOUNS = ["city club", "national team", "big bank", "small startup", "old university"]


def load_texts(datasets: Path) -> tuple[dict[str, list[str]], list[str], list[str], str]:
    """(training examples per class, short texts, news-length texts, where they came from)."""
    rng = random.Random(SEED)
    path = datasets / "ag_news" / "test.csv"
    if path.is_file():
        from tests.benchmarks.accuracy import ag_news

        texts, labels, classes = ag_news(datasets)
        order = list(range(len(texts)))
        rng.shuffle(order)
        train: dict[str, list[str]] = {c: [] for c in classes}
        rest = []
        for i in order:
            if len(train[labels[i]]) < TRAIN_PER_CLASS:
                train[labels[i]].append(texts[i])
            else:
                rest.append(texts[i])
        short = [t.split(". ", 1)[0] for t in rest]  # the titles: 5-15 words
        return train, short, rest, f"AG News ({path})"
    train = {
        c: [t.format(n) for t in templates for n in FALLBACK_NOUNS]
        for c, templates in FALLBACK.items()
    }
    short = [t.format(n) for ts in FALLBACK.values() for t in ts for n in FALLBACK_NOUNS] * 200
    rng.shuffle(short)
    news = [" ".join(rng.sample(short, 6)) + "." for _ in range(2000)]
    return train, short, news, "self-written sentences (no ../shared/datasets here)"


def train_model(examples: dict[str, list[str]], out_dir: Path) -> tuple[str, float]:
    """Train a quick-mode model with the engine; (artifact folder, seconds)."""
    from training.engine.config import TrainConfig
    from training.engine.data import TrainingData
    from training.engine.train import train

    classes = sorted(examples)
    texts = [t for c in classes for t in examples[c]]
    labels = [[c] for c in classes for _ in examples[c]]
    data = TrainingData(
        texts=texts,
        labels=labels,
        classes=classes,
        multi_label=False,
        ids=[str(i) for i in range(len(texts))],
    )
    started = time.perf_counter()
    result = train(data, TrainConfig(mode="quick", seed=SEED, device="cpu"), out_dir)
    return result.artifact_dir, time.perf_counter() - started


# --- Engine variants --------------------------------------------------------------------------
#
# Each variant runs in a fresh child process (its own peak memory; the code of this tree or of
# the baseline commit), round after round in turn, so the machine's load hits all alike.

VARIANTS = {
    # name: (engine, quantize, one document per call)
    "baseline int8": ("baseline", True, False),
    "baseline fp32": ("baseline", False, False),
    "onnx fp32": ("ours", False, False),
    "onnx int8": ("ours", True, False),
    "naive fp32 (1 per call)": ("ours", False, True),
}
REFERENCE = "baseline int8"

# Run by a child process with the engine of one tree first on its path.
WORKER = """
import json, resource, statistics, sys, time
import torch
from training.engine.predict import load_classifier
artifact, quantize, one_by_one, rounds = ARGS
texts = json.load(open(TEXTS))
torch.set_num_threads(THREADS)
classifier = load_classifier(artifact, quantize=quantize, device="cpu")
loaded_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def rate(docs):
    started = time.perf_counter()
    if one_by_one:
        for t in docs:
            classifier.predict([t])
    else:
        classifier.predict(docs)
    return len(docs) / (time.perf_counter() - started)
classifier.predict(texts["short"][:256])  # a serving process is warm
row = {"short": rate(texts["naive" if one_by_one else "short"]),
       "news": rate(texts["naive_news" if one_by_one else "news"])}
singles = []
for t in texts["singles"]:
    started = time.perf_counter()
    classifier.predict([t])
    singles.append((time.perf_counter() - started) * 1000)
row |= {"single_p50_ms": statistics.median(singles[20:]), "loaded_mb": loaded_mb,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
print(json.dumps(row))
"""


def baseline_ref() -> str:
    """The newest commit whose engine still has the hand-made int8 path (`int8.py`)."""
    git = ["git", "-C", str(ROOT)]
    last = subprocess.run(
        [*git, "rev-list", "-1", "HEAD", "--", "training/engine/int8.py"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    exists = subprocess.run([*git, "cat-file", "-e", f"{last}:training/engine/int8.py"])
    return last if exists.returncode == 0 else f"{last}~1"


def baseline_tree(ref: str, folder: Path) -> Path:
    """The engine package of `ref` (read with `git archive`, nothing written to the repo)."""
    folder.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "training/engine"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    (folder / "training" / "__init__.py").write_text("")
    return folder


def run_engine(root: Path, code: str, args: list, texts_file: Path, threads: int) -> dict:
    """`code` in a child process whose `training.engine` is the one under `root`."""
    script = (
        code.replace("ARGS", repr(args))
        .replace("TEXTS", repr(str(texts_file)))
        .replace("THREADS", str(threads))
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(ROOT)]))
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=env, check=True, capture_output=True
    ).stdout.decode()
    return json.loads(out.strip().splitlines()[-1])


def engine_rows(
    artifact: str, roots: dict[str, Path], texts_file: Path, rounds: int, threads: int
) -> list[dict]:
    """Median over `rounds` of each variant's docs/s, single p50 and peak memory, with the
    ratios to the reference variant measured in the same rounds."""
    for quantize in (False, True):  # export and quantize once, outside the timed runs
        run_engine(roots["ours"], WORKER, [artifact, quantize, False, 0], texts_file, threads)
    runs: dict[str, list[dict]] = {name: [] for name in VARIANTS}
    for _ in range(rounds):
        for name, (engine, quantize, one) in VARIANTS.items():
            args = [artifact, quantize, one, rounds]
            runs[name].append(run_engine(roots[engine], WORKER, args, texts_file, threads))
    rows = []
    for name, measured in runs.items():
        row: dict[str, Any] = {"variant": name}
        for key in ("short", "news", "single_p50_ms", "peak_mb"):
            row[key] = statistics.median(m[key] for m in measured)
            ratios = [m[key] / r[key] for m, r in zip(measured, runs[REFERENCE], strict=True)]
            row[f"{key}_x"] = statistics.median(ratios)
        rows.append(row)
    return rows


# Run by a child process: the test sample's decisions and embeddings of one variant.
SCORER = """
import json, numpy as np
from training.engine.predict import load_classifier
artifact, quantize, out = ARGS
texts = json.load(open(TEXTS))
classifier = load_classifier(artifact, quantize=quantize, device="cpu")
embeddings = classifier.encoder.encode(texts)
np.save(out + ".npy", embeddings)
chosen = classifier.decide(classifier.confidences(embeddings))
json.dump([c[0] for c in chosen], open(out + ".json", "w"))
print("{}")
"""


def accuracy_rows(datasets: Path, roots: dict[str, Path], folder: Path, threads: int) -> list:
    """Per data set: a quick model trained by the baseline engine (so it has the calibration
    its int8 smoothing reads), scored by every variant: accuracy, agreement with the fp32
    decisions and the pooled embeddings' cosine to fp32 (mean and worst)."""
    from tests.benchmarks.accuracy import ag_news, hwu64

    rng = random.Random(SEED)
    texts, labels, _ = ag_news(datasets)
    order = list(range(len(texts)))
    rng.shuffle(order)
    train_hwu, train_hwu_labels, test_hwu, test_hwu_labels = hwu64(datasets)
    tasks = {
        "AG News (1,000 train, 2,000 test)": (
            [texts[i] for i in order[:1000]], [labels[i] for i in order[:1000]],
            [texts[i] for i in order[2000:4000]], [labels[i] for i in order[2000:4000]],
        ),
        "HWU64 (full train, test)": (train_hwu, train_hwu_labels, test_hwu, test_hwu_labels),
    }  # fmt: skip
    rows = []
    for name, (train_texts, train_labels, test_texts, test_labels) in tasks.items():
        task = folder / str(len(rows))
        task.mkdir(parents=True)
        examples: dict[str, list[str]] = {}
        for text, label in zip(train_texts, train_labels, strict=True):
            examples.setdefault(label, []).append(text)
        (task / "examples.json").write_text(json.dumps(examples))
        (task / "test.json").write_text(json.dumps(test_texts))
        artifact = str(task / "artifact")
        train_script = (
            "import json\nfrom pathlib import Path\nfrom tests.benchmarks.serving import "
            "train_model\ntrain_model(json.load(open(TEXTS)), Path(ARGS[0]))\nprint('{}')"
        )
        run_engine(roots["baseline"], train_script, [artifact], task / "examples.json", threads)
        scored = {}
        for variant, engine, quantize in (
            ("onnx fp32", "ours", False),
            ("onnx int8", "ours", True),
            ("baseline fp32", "baseline", False),
            ("baseline int8", "baseline", True),
        ):
            out = str(task / variant.replace(" ", "-"))
            args = [artifact, quantize, out]
            run_engine(roots[engine], SCORER, args, task / "test.json", threads)
            scored[variant] = (np.load(out + ".npy"), json.loads(Path(out + ".json").read_text()))
        reference, decisions = scored["onnx fp32"]
        for variant, (embeddings, chosen) in scored.items():
            cosine = (embeddings * reference).sum(axis=1)
            rows.append(
                {
                    "data": name,
                    "variant": variant,
                    "accuracy": 100
                    * statistics.mean(c == t for c, t in zip(chosen, test_labels, strict=True)),
                    "agreement": 100
                    * statistics.mean(c == d for c, d in zip(chosen, decisions, strict=True)),
                    "cosine_mean": float(cosine.mean()),
                    "cosine_worst": float(cosine.min()),
                }
            )
    return rows


# --- HTTP ------------------------------------------------------------------------------------

SETUP = """
import datetime, json
from django.contrib.auth import get_user_model
from django.utils import timezone
from projects.models import Class
from projects.services import create_project
from studio.services import regenerate_api_key
from training.deployments import deploy_model
from training.models import TrainedModel, TrainingJob
user = get_user_model().objects.create_user(username="bench", password="bench-password-42")
project = create_project(owner=user, name="Bench", kind="single_label")
for i, name in enumerate(CLASSES):
    Class.objects.create(project=project, name=name, order=i)
TrainedModel.objects.create(project=project, name="quick", version=1, artifact_path=ARTIFACT,
                            evaluation={}, trained_at=timezone.now())
for quantize, name in ((False, "fp32"), (True, "int8")):
    deploy_model(project=project, name=name, model_name="quick", quantize=quantize)
# A finished training job, for the job status route that bench_load reads.
now = timezone.now()
job = TrainingJob.objects.create(project=project, model_name="quick", status="succeeded",
                                 created_by=user, started_at=now, ended_at=now,
                                 expires_at=now + datetime.timedelta(days=2))
print(json.dumps({"key": regenerate_api_key(user=user, slot=1), "job_id": str(job.job_id)}))
"""


# Run by `manage.py shell` on the benchmark's data folder: the studio classify route in process
# (Django's test Client, no server), single documents, with the per-process key, project and
# deployment caches (ours) and with all three cleared before every request (the naive baseline),
# alternating request by request so the machine's load hits both alike.
INPROCESS = """
import json, statistics, time
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from projects.permissions import member_cache
from studio.auth import key_cache
from training.deployments import deployment_cache
from training.models import Deployment
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
client = Client(HTTP_OCP_APIM_SUBSCRIPTION_KEY=RAW_API_KEY)
rows = []
for name in ("fp32", "int8"):
    url = f"/api/projects/Bench/deployments/{name}/classify"
    times, queries = {"ours": [], "naive": []}, {"ours": [], "naive": []}
    for i, text in enumerate(SINGLE_TEXTS):
        for way in ("ours", "naive"):
            if way == "naive":
                key_cache.clear()
                member_cache.clear()
                deployment_cache.clear()
            body = {"documents": [{"id": "1", "text": text}]}
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.post(url, body, content_type="application/json")
                elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.content
            if i >= 20:  # the first requests load the model and warm up
                times[way].append(elapsed)
                queries[way].append(len(captured))
    deployment = Deployment.objects.get(name=name)
    rows.append({"deployment": name,
                 "naive_p50_ms": statistics.median(times["naive"]),
                 "ours_p50_ms": statistics.median(times["ours"]),
                 "naive_queries": statistics.median(queries["naive"]),
                 "ours_queries": statistics.median(queries["ours"])})
print(json.dumps(rows))
"""


def inprocess_rows(
    data_dir: Path, key: str, short: list[str], singles: int, redis_url: str
) -> list[dict]:
    """Single-document classify in process, per-process caches on (ours) and off (naive)."""
    env = studio_env(data_dir, redis_url)
    texts = short[100 : 100 + singles + 20]
    script = INPROCESS.replace("RAW_API_KEY", repr(key)).replace("SINGLE_TEXTS", repr(texts))
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT, env=env, check=True, capture_output=True,
    ).stdout.decode()  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def studio_env(data_dir: Path, redis_url: str, root: Path = ROOT) -> dict[str, str]:
    """The environment of a studio process on `data_dir`, with the code of `root` (this tree,
    or another checkout run with the same interpreter)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    return env | {
        "STUDIO_DATA_DIR": str(data_dir),
        "STUDIO_LOG_LEVEL": "WARNING",
        "REDIS_URL": redis_url,
        "PYTHONPATH": str(root),
    }


@contextlib.contextmanager
def running_redis(folder: Path) -> Iterator[str]:
    """The embedded Redis the launcher runs (throttle counts, channel layer), on a Unix socket
    in `folder`; yields its URL."""
    from studio.processes import embedded_redis, wait_for_redis

    folder.mkdir(parents=True, exist_ok=True)
    socket_path = folder / "redis.sock"
    child = embedded_redis(socket_path, folder)
    child.start()
    try:
        url = f"unix://{socket_path}"
        wait_for_redis(url)
        yield url
    finally:
        stop_all([child], grace_s=5)


def prepare_data_dir(
    data_dir: Path, artifact: str, classes: list[str], env: dict[str, str], root: Path = ROOT
) -> dict[str, str]:
    """Migrate a fresh data folder and create the user, the project "Bench", its deployments
    "fp32" and "int8" and a finished training job; {"key": API key, "job_id": ...}."""
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=root, env=env, check=True)
    script = SETUP.replace("CLASSES", repr(classes)).replace("ARTIFACT", repr(artifact))
    out = subprocess.run(
        [*manage, "shell", "-c", script], cwd=root, env=env, check=True, capture_output=True
    ).stdout.decode()
    return json.loads(out.strip().splitlines()[-1])


def start_server(
    data_dir: Path, artifact: str, classes: list[str], redis_url: str
) -> tuple[Child, str, str]:
    """Set up a fresh data folder and start Daphne on it; (launcher child, base URL, API key)."""
    env = studio_env(data_dir, redis_url)
    key = prepare_data_dir(data_dir, artifact, classes, env)["key"]
    web, url = start_asgi_server(env, cwd=ROOT, log=Path(os.devnull))
    return web, url, key


def http_rows(url: str, key: str, short: list[str], singles: int, batches: int) -> list[dict]:
    """Single-document latency and 1,000-document batch throughput per deployment."""
    import requests

    session = requests.Session()
    session.headers["Ocp-Apim-Subscription-Key"] = key
    rows = []
    for deployment in ("fp32", "int8"):
        route = f"{url}/api/projects/Bench/deployments/{deployment}/classify"

        def call(texts: list[str], route: str = route) -> float:
            body = {"documents": [{"id": str(i), "text": t} for i, t in enumerate(texts)]}
            started = time.perf_counter()
            response = session.post(route, json=body, timeout=120)
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            assert len(response.json()["documents"]) == len(texts)
            return elapsed

        for text in short[:20]:  # load the model, warm the connection
            call([text])
        latencies = sorted(call([text]) * 1000 for text in short[100 : 100 + singles])
        call(short[:1000])
        batch_s = [call(short[i * 1000 : (i + 1) * 1000]) for i in range(batches)]
        rows.append(
            {
                "deployment": deployment,
                "single_p50_ms": statistics.median(latencies),
                "single_p99_ms": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
                "one_per_request_docs_s": 1000 / statistics.mean(latencies),
                "batch_1000_docs_s": 1000 * batches / sum(batch_s),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--docs", type=int, default=1000, help="Documents per engine batch.")
    parser.add_argument(
        "--naive-docs", type=int, default=200, help="Documents the naive loop runs."
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="Interleaved engine rounds (0: skip the engine)."
    )
    parser.add_argument("--threads", type=int, default=2, help="CPU threads of the engine.")
    parser.add_argument(
        "--baseline", help="Commit whose engine is the baseline (default: the newest with int8.py)."
    )
    parser.add_argument(
        "--accuracy", action="store_true", help="Also score AG News and HWU64 per variant."
    )
    parser.add_argument("--no-http", action="store_true", help="Skip the HTTP and in-process part.")
    parser.add_argument("--singles", type=int, default=200, help="Single-document HTTP requests.")
    parser.add_argument("--batches", type=int, default=5, help="1,000-document HTTP requests.")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    import torch

    train, short, news, source = load_texts(args.datasets)
    ref = args.baseline or baseline_ref()
    report: dict[str, Any] = {
        "data": source,
        "cpu": cpu_description(),
        "cpu_count": os.cpu_count(),
        "threads": args.threads,
        "torch": torch.__version__,
        "baseline": ref,
        "rounds": args.rounds,
        # Other processes on a small machine skew every number: the load says how busy it was.
        "load_before": round(os.getloadavg()[0], 2),
    }
    with tempfile.TemporaryDirectory(prefix="studio-bench-serving-") as tmp:
        roots = {"ours": ROOT, "baseline": baseline_tree(ref, Path(tmp) / "baseline")}
        artifact, train_s = train_model(train, Path(tmp) / "artifact")
        report["train_s"] = round(train_s, 1)
        texts_file = Path(tmp) / "texts.json"
        n = args.docs
        texts = {
            "short": short[:n],
            "news": news[:n],
            "naive": short[: args.naive_docs],
            "naive_news": news[: args.naive_docs],
            "singles": short[n : n + 120],
        }
        texts_file.write_text(json.dumps(texts))
        report["avg_chars"] = {k: round(statistics.mean(map(len, texts[k]))) for k in texts}
        if args.rounds:
            report["engine"] = engine_rows(artifact, roots, texts_file, args.rounds, args.threads)
        if args.accuracy:
            report["accuracy"] = accuracy_rows(
                args.datasets, roots, Path(tmp) / "accuracy", args.threads
            )
        if not args.no_http:
            with running_redis(Path(tmp) / "redis") as redis_url:
                web, url, key = start_server(Path(tmp) / "data", artifact, sorted(train), redis_url)
                try:
                    report["http"] = http_rows(url, key, short, args.singles, args.batches)
                finally:
                    stop_all([web], grace_s=15)
                report["in_process"] = inprocess_rows(
                    Path(tmp) / "data", key, short, args.singles, redis_url
                )
    report["load_after"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_tables(report)
    return 0


def cpu_description() -> str:
    """The CPU's model name and the vector instruction sets int8 speed depends on."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                  if line.startswith("model name")), "unknown")  # fmt: skip
    flags = set(info.split())
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile")
    return f"{model} ({', '.join(f for f in wanted if f in flags) or 'no AVX2'})"


def print_engine(report: dict[str, Any]) -> None:
    print(
        f"Engine, {report['rounds']} interleaved rounds, "
        f"each variant a fresh process; median, and median ratio to {REFERENCE} "
        f"(baseline = {report['baseline']})"
    )
    print(
        f"| variant | short docs/s ({report['avg_chars']['short']} chars) | news docs/s "
        f"({report['avg_chars']['news']} chars) | single p50 ms | peak MB |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in report["engine"]:
        cells = [r["variant"]]
        cells += [f"{r[k]:,.0f} ({r[k + '_x']:.2f}x)" for k in ("short", "news")]
        cells += [f"{r['single_p50_ms']:.1f} ({r['single_p50_ms_x']:.2f}x)"]
        cells += [f"{r['peak_mb']:,.0f} ({r['peak_mb_x']:.2f}x)"]
        print("| " + " | ".join(cells) + " |")
    print()


def verdict(met: bool) -> str:
    return "met" if met else "missed"


def print_tables(report: dict[str, Any]) -> None:
    print(f"Data: {report['data']}; quick model trained in {report['train_s']} s")
    print(
        f"CPU: {report['cpu']}, {report['cpu_count']} cores, {report['threads']} threads; "
        f"torch {report['torch']}; load average {report['load_before']} before, "
        f"{report['load_after']} after"
    )
    print()
    if "engine" in report:
        print_engine(report)
    if "accuracy" in report:
        print("Accuracy, quick models: against the test labels, and against onnx fp32")
        print("| data | variant | accuracy % | agreement with fp32 % | cosine mean | worst |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for r in report["accuracy"]:
            cells = [r["data"], r["variant"], f"{r['accuracy']:.2f}", f"{r['agreement']:.2f}"]
            cells += [f"{r['cosine_mean']:.5f}", f"{r['cosine_worst']:.5f}"]
            print("| " + " | ".join(cells) + " |")
        print()
    if "http" not in report:
        return
    print("HTTP, studio classify route (Daphne, API key), short texts")
    print(
        "| deployment | single p50 ms | single p99 ms | 1 doc/request docs/s "
        "| 1,000 docs/request docs/s |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in report["http"]:
        cells = [r["deployment"], f"{r['single_p50_ms']:.1f}", f"{r['single_p99_ms']:.1f}"]
        cells += [f"{r[k]:,.0f}" for k in ("one_per_request_docs_s", "batch_1000_docs_s")]
        print("| " + " | ".join(cells) + " |")
    print()
    print(
        "In process (Django test Client), single documents: per-process key and deployment "
        "caches (ours) against clearing them before every request (naive), alternating"
    )
    print("| deployment | naive p50 ms | ours p50 ms | naive SQL queries | ours SQL queries |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in report["in_process"]:
        cells = [r["deployment"], f"{r['naive_p50_ms']:.1f}", f"{r['ours_p50_ms']:.1f}"]
        cells += [f"{r['naive_queries']:.0f}", f"{r['ours_queries']:.0f}"]
        print("| " + " | ".join(cells) + " |")
    best = max(report["http"], key=lambda r: r["batch_1000_docs_s"])
    fast = min(report["http"], key=lambda r: r["single_p50_ms"])
    print()
    print(
        f"Targets: batch >= {SHORT_TARGET_DOCS_S:,.0f} docs/s "
        f"{verdict(best['batch_1000_docs_s'] >= SHORT_TARGET_DOCS_S)} "
        f"({best['batch_1000_docs_s']:,.0f}, {best['deployment']}); single p50 < "
        f"{P50_TARGET_MS:.0f} ms {verdict(fast['single_p50_ms'] < P50_TARGET_MS)} "
        f"({fast['single_p50_ms']:.1f} ms, {fast['deployment']})"
    )


if __name__ == "__main__":
    sys.exit(main())
