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


def objects_probe() -> float:
    """Rounds a second of building and reading 200,000 small dicts: memory as much as arithmetic, as an
    import's rows are (the machine's memory slows down when the arithmetic does not)."""
    rounds = 0
    began = time.perf_counter()
    while (elapsed := time.perf_counter() - began) < PROBE_SECONDS:
        rows = [{"number": number, "text": str(number), "pair": (number, number + 1)} for number in range(200_000)]
        sum(len(row["text"]) for row in rows)
        rounds += 1
    return rounds / elapsed


def machine_probes() -> tuple[float, float]:
    return cpu_probe(), objects_probe()


def machine_line(probes: tuple[float, float]) -> str:
    arithmetic, objects = probes
    return (
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {sys.platform}; "
        f"probes before the run (bench/probe.py): arithmetic {arithmetic:.1f} rounds/s, objects {objects:.2f} rounds/s"
    )
