"""How fast this machine runs Python right now: its speed varies from hour to hour (a shared host), by a
third and more, and every figure of a run moves with it. Printed beside the figures so that runs of
different hours can be compared."""

import os
import platform
import sys
import time

PROBE_SECONDS = 2.0


def cpu_probe() -> float:
    """Rounds a second of a fixed pure-Python loop (200,000 multiplications and additions), on one core."""
    rounds = 0
    began = time.perf_counter()
    while (elapsed := time.perf_counter() - began) < PROBE_SECONDS:
        total = 0
        for number in range(200_000):
            total += number * number
        rounds += 1
    return rounds / elapsed


def machine_line(probe: float) -> str:
    return (
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {sys.platform}; "
        f"CPU probe {probe:.1f} rounds/s before the run (bench/probe.py)"
    )
