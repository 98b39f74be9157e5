"""The load benchmark's summary: nearest-rank p50/p99 and the pooled rows with their ratio to
the previous commit (no server, no timing)."""

from __future__ import annotations

import math

from tests.benchmarks.load import latency_summary, percentile, summarize


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(100, 0, -1)]  # 1..100, unsorted
    assert latency_summary(values) == {"p50_ms": 50.0, "p99_ms": 99.0}
    assert percentile([5.0], 99) == 5.0
    assert percentile([1.0, 2.0, 3.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0], 99) == 3.0
    assert math.isnan(percentile([], 50))


def test_summary_pools_rounds_and_compares_with_previous():
    def cell(variant, rnd, latencies, seconds, errors=0):
        return {
            "round": rnd, "variant": variant, "processes": 1, "route": "status", "clients": 4,
            "requests": len(latencies) + errors, "errors": errors,
            "error_kinds": ["HTTP 500"] if errors else [], "seconds": seconds,
            "latencies_ms": latencies,
        }  # fmt: skip

    cells = [
        cell("this tree", 0, [1.0, 2.0], 1.0),
        cell("previous", 0, [4.0], 1.0, errors=1),
        cell("this tree", 1, [3.0, 4.0], 1.0),
        cell("previous", 1, [8.0], 1.0),
    ]
    ours, previous = summarize(cells, ["this tree", "previous"], ["status"])
    assert (ours["requests"], ours["requests_s"], ours["p50_ms"], ours["p99_ms"]) == (
        4,
        2.0,
        2.0,
        4.0,
    )
    assert (previous["requests"], previous["errors"], previous["requests_s"]) == (3, 1, 1.0)
    assert previous["error_kinds"] == ["HTTP 500"]
    assert ours["vs_previous"] == 2.0
    assert "vs_previous" not in previous
