"""A light HTTP/1.1 load generator: asyncio streams in one process, so it leaves the CPU to the server.

Each client keeps its connection alive when the server allows it (gthread) and reconnects when the
server closes it (sync workers answer ``Connection: close``). Latency is measured per request from
the first byte written to the last byte read.
"""

import asyncio
import statistics
import time
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    label: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    sample_error: str = ""
    cpu_busy: float = 0.0  # share of the machine's CPU time in use during the measured seconds
    machine_note: str = ""
    exhausted: bool = False  # every request was sent before the measured seconds ended: the rate is too low

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 201)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    else:
        body = await reader.read()
        return status, False, body
    keep_alive = headers.get("connection", "").lower() != "close"
    return status, keep_alive, body


async def _client(host, port, requests, warm_until, stop_at, result: LoadResult) -> None:
    """Send the next request of the shared ``requests`` until ``stop_at``: each one is sent once, by
    whichever client is free (a client on a less busy server process sends more than the others)."""
    reader = writer = None
    for request in requests:
        if time.perf_counter() >= stop_at:
            break
        if writer is None:
            reader, writer = await asyncio.open_connection(host, port)
        began = time.perf_counter()
        writer.write(request)
        try:
            status, keep_alive, body = await _read_response(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            reader = writer = None
            continue
        ended = time.perf_counter()
        if not keep_alive:
            writer.close()
            reader = writer = None
        if warm_until <= began and ended <= stop_at:
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status == 201:
                result.latencies.append(ended - began)
            elif not result.sample_error:
                result.sample_error = f"{status}: {body[:300].decode('utf-8', 'replace')}"
    if writer is not None:
        writer.close()


def http_post_requests(*, host: str, port: int, path: str, token: str, bodies: list[bytes]) -> list[bytes]:
    """Ready-to-send requests, built once so the clients only write bytes."""
    return [
        (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Token {token}\r\n"
            f"Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1")
        + body
        for body in bodies
    ]


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(value) for value in open("/proc/stat").readline().split()[1:]]  # noqa: SIM115
    idle = values[3] + values[4]
    total = sum(values)
    return total - idle, total


def load_run(
    *, label: str, host: str, port: int, requests: list[bytes], clients: int, warmup: float, duration: float
) -> LoadResult:
    """``clients`` concurrent clients for ``warmup`` + ``duration`` seconds; only the latter counts."""

    async def run() -> LoadResult:
        now = time.perf_counter()
        warm_until, stop_at = now + warmup, now + warmup + duration
        result = LoadResult(label=label, seconds=duration)
        pending = iter(requests)

        async def sample_cpu() -> None:
            await asyncio.sleep(max(warm_until - time.perf_counter(), 0))
            busy, total = _cpu_times()
            await asyncio.sleep(max(stop_at - time.perf_counter(), 0))
            busy_after, total_after = _cpu_times()
            result.cpu_busy = (busy_after - busy) / max(total_after - total, 1)

        await asyncio.gather(
            sample_cpu(),
            *(_client(host, port, pending, warm_until, stop_at, result) for _index in range(clients)),
        )
        result.exhausted = next(pending, None) is None
        return result

    return asyncio.run(run())
