"""The load benchmark: `python -m tests.benchmarks.load [--json]`.

Concurrent clients against real Daphne processes on loopback, this working tree against the
previous commit in the same run:

- one data folder per variant (each migrated by its own code), holding the project "Bench", a
  quick-mode MiniLM model trained here once (shared by both variants), its deployments and an
  API key, as `tests.benchmarks.serving` sets them up; one embedded Redis (throttle counts);
- two Daphne processes per variant; "1 web process" sends every request to the first, "2"
  spreads them round-robin over both ports (no load balancer);
- routes: `status`, the job status read `GET /api/projects/Bench/jobs/<id>` (a finished
  training job: key check, project permission, stale-job check, job and model lookups) and
  `classify`, `POST /api/projects/Bench/deployments/<d>/classify` with one short document;
  `healthz` (`GET /healthz`) on request (it answers 503 here: no Celery worker runs, and
  a 503 counts as served);
- each cell (variant, web processes, route) sends at most `--requests` (`--classify-requests`)
  requests or runs at most `--seconds`, whichever ends first; rounds interleave the variants
  (A, B, A, B ...) so that the machine's changing load hits both alike. The client is Python
  threads with one keep-alive `http.client` connection per thread and port (the standard
  library's client: a fraction of `requests`' cost per call, which runs on the same cores as the
  servers).

The previous commit (`--previous`, default HEAD~1) is checked out with `git worktree add` into
a temporary folder, run with this interpreter, and removed at the end. Targets (2 cores): status
route >= 300 requests/s with p99 < 100 ms; classify with 16 clients, no errors, p99 < 500 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from studio.processes import Child, start_asgi_server, stop_all
from tests.benchmarks.serving import (
    DEFAULT_DATASETS,
    ROOT,
    load_texts,
    prepare_data_dir,
    running_redis,
    studio_env,
    train_model,
)

STATUS_TARGET_RPS = 300.0
STATUS_TARGET_P99_MS = 100.0
CLASSIFY_TARGET_P99_MS = 500.0
WARMUP_REQUESTS = 10


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; nan when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(latencies_ms: list[float]) -> dict[str, float]:
    return {"p50_ms": percentile(latencies_ms, 50), "p99_ms": percentile(latencies_ms, 99)}


@dataclass
class Variant:
    name: str
    root: Path
    urls: list[str] = field(default_factory=list)
    key: str = ""
    job_id: str = ""
    processes: list[Child] = field(default_factory=list)


def accepted(route: str) -> frozenset[int]:
    """The answers that count as served: /healthz says 503 here, as no Celery worker runs."""
    return frozenset({200, 503}) if route == "healthz" else frozenset({200})


def request_for(route: str, variant: Variant, deployment: str, texts: list[str]):
    """(method, path, JSON body or None) of the i-th request of `route`."""
    if route == "status":
        return lambda i: ("GET", f"/api/projects/Bench/jobs/{variant.job_id}", None)
    if route == "healthz":
        return lambda i: ("GET", "/healthz", None)
    path = f"/api/projects/Bench/deployments/{deployment}/classify"
    return lambda i: ("POST", path, {"documents": [{"id": "1", "text": texts[i % len(texts)]}]})


def drive(
    urls: list[str],
    key: str,
    make_request,
    clients: int,
    max_requests: int,
    max_seconds: float,
    ok: frozenset[int] = frozenset({200}),
) -> dict[str, Any]:
    """Send at most `max_requests` requests from `clients` threads for at most `max_seconds`,
    spreading them round-robin over `urls`; requests, errors, seconds and latencies (ms) of the
    successful ones."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    start = threading.Barrier(clients + 1)
    deadline = [math.inf]
    hosts = [urlsplit(url) for url in urls]

    def client(number: int) -> None:
        connections = [HTTPConnection(host.hostname, host.port, timeout=30) for host in hosts]
        mine: list[float] = []
        start.wait()
        while time.perf_counter() < deadline[0]:
            i = next(counter)
            if i >= max_requests:
                break
            method, path, body = make_request(i)
            port = (number + i) % len(urls)
            headers = {"Ocp-Apim-Subscription-Key": key}
            payload = None
            if body is not None:
                payload = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            began = time.perf_counter()
            try:
                connection = connections[port]
                connection.request(method, path, body=payload, headers=headers)
                response = connection.getresponse()
                response.read()
                elapsed = (time.perf_counter() - began) * 1000
                if response.status not in ok:
                    with lock:
                        errors.append(f"HTTP {response.status}")
                else:
                    mine.append(elapsed)
            except (OSError, HTTPException) as error:
                connections[port].close()  # the next request opens a new connection
                with lock:
                    errors.append(type(error).__name__)
        for connection in connections:
            connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + max_seconds
    start.wait()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    return {
        "requests": len(latencies) + len(errors),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "seconds": seconds,
        "latencies_ms": latencies,
    }


@contextlib.contextmanager
def previous_checkout(rev: str, folder: Path) -> Iterator[Path]:
    """`git worktree add` of `rev` into `folder`, removed again at the end."""
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "add", "--detach", str(folder), rev], check=True,
                   capture_output=True)  # fmt: skip
    try:
        yield folder
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(folder)], check=False)


def start_variant(
    variant: Variant, data_dir: Path, artifact: str, classes: list[str], redis_url: str
) -> None:
    env = studio_env(data_dir, redis_url, variant.root)
    made = prepare_data_dir(data_dir, artifact, classes, env, root=variant.root)
    variant.key, variant.job_id = made["key"], made["job_id"]
    for _ in range(2):
        web, url = start_asgi_server(env, cwd=variant.root, log=Path(os.devnull))
        variant.processes.append(web)
        variant.urls.append(url)


def warm_up(variant: Variant, routes: list[str], deployment: str, texts: list[str]) -> None:
    """Load the model and open the database in every process before anything is measured."""
    for url in variant.urls:
        for route in routes:
            make = request_for(route, variant, deployment, texts)
            result = drive([url], variant.key, make, 1, WARMUP_REQUESTS, 120, accepted(route))
            if result["errors"]:
                raise RuntimeError(
                    f"{variant.name}: {route} on {url} failed: {result['error_kinds']}"
                )


def run(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    train, short, _, source = load_texts(args.datasets)
    texts = short[100:1100]
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    report: dict[str, Any] = {
        "data": source,
        "cpu_count": os.cpu_count(),
        "head": head,
        "previous": args.previous,
        "load_before": round(os.getloadavg()[0], 2),
        "settings": {
            k: getattr(args, k)
            for k in (
                "rounds",
                "requests",
                "classify_requests",
                "seconds",
                "status_clients",
                "classify_clients",
                "deployment",
            )
        },
    }
    cells: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="studio-bench-load-")))
        variants = [Variant("this tree", ROOT)]
        if args.previous:
            prev_root = stack.enter_context(previous_checkout(args.previous, tmp / "previous"))
            variants.append(Variant(f"previous ({args.previous})", prev_root))
        artifact, _ = train_model(train, tmp / "artifact")
        redis_url = stack.enter_context(running_redis(tmp / "redis"))

        stack.callback(lambda: stop_all([web for v in variants for web in v.processes], 15))
        for number, variant in enumerate(variants):
            start_variant(variant, tmp / f"data{number}", artifact, sorted(train), redis_url)
            warm_up(variant, args.routes, args.deployment, texts)
        for round_number in range(args.rounds):
            for variant in variants:
                for processes in (1, 2):
                    for route in args.routes:
                        classify = route == "classify"
                        clients = args.classify_clients if classify else args.status_clients
                        limit = args.classify_requests if classify else args.requests
                        make = request_for(route, variant, args.deployment, texts)
                        result = drive(
                            variant.urls[:processes], variant.key, make, clients, limit,
                            args.seconds, accepted(route),
                        )  # fmt: skip
                        cells.append(
                            {
                                "round": round_number,
                                "variant": variant.name,
                                "processes": processes,
                                "route": route,
                                "clients": clients,
                                **result,
                            }
                        )
                        print(
                            f"round {round_number + 1}: {variant.name}, {processes} web, "
                            f"{route}: {result['requests']} requests in "
                            f"{result['seconds']:.1f} s, {result['errors']} errors",
                            file=sys.stderr,
                        )
    report["load_after"] = round(os.getloadavg()[0], 2)
    report["rows"] = summarize(cells, [v.name for v in variants], args.routes)
    report["rounds"] = [{k: v for k, v in c.items() if k != "latencies_ms"} for c in cells]
    return report


def summarize(cells: list[dict], variants: list[str], routes: list[str]) -> list[dict]:
    """One row per (variant, web processes, route), every round pooled, with the ratio of
    requests/s to the previous commit's on the rows of this tree."""
    rows = []
    for processes in (1, 2):
        for route in routes:
            group = []
            for variant in variants:
                mine = [
                    c
                    for c in cells
                    if (c["variant"], c["processes"], c["route"]) == (variant, processes, route)
                ]
                if not mine:
                    continue
                latencies = [ms for c in mine for ms in c["latencies_ms"]]
                done = sum(c["requests"] for c in mine)
                seconds = sum(c["seconds"] for c in mine)
                group.append(
                    {
                        "variant": variant,
                        "processes": processes,
                        "route": route,
                        "clients": mine[0]["clients"],
                        "requests": done,
                        "requests_s": (done - sum(c["errors"] for c in mine)) / seconds,
                        **latency_summary(latencies),
                        "errors": sum(c["errors"] for c in mine),
                        "error_kinds": sorted({k for c in mine for k in c["error_kinds"]}),
                    }
                )
            if len(group) > 1 and group[-1]["requests_s"] > 0:
                group[0]["vs_previous"] = group[0]["requests_s"] / group[-1]["requests_s"]
            rows += group
    return rows


def print_table(report: dict[str, Any]) -> None:
    print(f"Data: {report['data']}; this tree = working tree at {report['head']}")
    print(
        f"CPU cores: {report['cpu_count']}; load average {report['load_before']} before, "
        f"{report['load_after']} after; settings: {report['settings']}"
    )
    print()
    print(
        "| variant | web processes | route | clients | requests | req/s | p50 ms | p99 ms "
        "| errors | req/s vs previous |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in report["rows"]:
        ratio = f"{r['vs_previous']:.2f}x" if "vs_previous" in r else ""
        errors = str(r["errors"]) + (f" ({', '.join(r['error_kinds'])})" if r["errors"] else "")
        cells = [r["variant"], r["processes"], r["route"], r["clients"], r["requests"]]
        cells += [f"{r['requests_s']:.0f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}"]
        cells += [errors, ratio]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    print()
    for r in report["rows"]:
        if r["variant"] != "this tree":
            continue
        if r["route"] == "status":
            met = r["requests_s"] >= STATUS_TARGET_RPS and r["p99_ms"] < STATUS_TARGET_P99_MS
            print(
                f"Target, status, {r['processes']} web: >= {STATUS_TARGET_RPS:.0f} req/s and "
                f"p99 < {STATUS_TARGET_P99_MS:.0f} ms: {'met' if met else 'missed'} "
                f"({r['requests_s']:.0f} req/s, p99 {r['p99_ms']:.1f} ms)"
            )
        elif r["route"] == "classify":
            met = r["errors"] == 0 and r["p99_ms"] < CLASSIFY_TARGET_P99_MS
            print(
                f"Target, classify, {r['processes']} web, {r['clients']} clients: no errors "
                f"and p99 < {CLASSIFY_TARGET_P99_MS:.0f} ms: {'met' if met else 'missed'} "
                f"({r['errors']} errors, p99 {r['p99_ms']:.1f} ms)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--rounds", type=int, default=2, help="Rounds (A, B, A, B ...).")
    parser.add_argument(
        "--requests", type=int, default=1500, help="Requests per status/healthz cell."
    )
    parser.add_argument(
        "--classify-requests", type=int, default=400, help="Requests per classify cell."
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="Time cap per cell.")
    parser.add_argument("--status-clients", type=int, default=8)
    parser.add_argument("--classify-clients", type=int, default=16)
    parser.add_argument("--deployment", choices=("fp32", "int8"), default="fp32")
    parser.add_argument(
        "--routes",
        nargs="+",
        choices=("status", "classify", "healthz"),
        default=["status", "classify"],
    )
    parser.add_argument(
        "--previous",
        default="HEAD~1",
        help="The commit to compare with ('' to measure this tree alone).",
    )
    args = parser.parse_args(argv)
    report = run(args)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
