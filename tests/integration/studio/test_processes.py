"""`processes.supervise` restarts a dead child with a backoff that doubles and later resets."""

from __future__ import annotations

import sys
import time

from studio import processes


def exits_at_once() -> processes.Child:
    return processes.Child("quitter", [sys.executable, "-c", "raise SystemExit(3)"])


def supervise_for(child: processes.Child, seconds: float) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        processes.supervise([child], log=lines.append)
        time.sleep(0.05)
    return lines


def test_a_child_that_keeps_dying_is_restarted_after_1_then_2_seconds():
    child = exits_at_once()
    child.start()
    lines = supervise_for(child, 4.5)
    processes.stop_all([child], grace_s=1)
    delays = [line.split("restarting it in ")[1] for line in lines if "exited" in line]
    assert delays[:2] == ["1 s.", "2 s."]
    assert sum("quitter restarted" in line for line in lines) == 2
    assert "with code 3" in lines[0]


def test_the_delay_starts_over_for_a_child_that_stayed_up_a_while():
    child = exits_at_once()
    child.start()
    child.restart_delay_s = processes.MAX_RESTART_DELAY_S
    child.started_at -= processes.HEALTHY_AFTER_S
    lines = supervise_for(child, 0.5)
    processes.stop_all([child], grace_s=1)
    assert lines[0].endswith("restarting it in 1 s.")
