"""Issue 10: what the access log costs registration and a partner's full sync (target: at most 10%).

Two production servers run side by side, the same in everything but ``DJANGO_ACCESS_LOG`` (off on
one, on on the other), and every measurement is paired, so the shared machine's slow minutes fall
on both sides alike:

- registration: ``clients`` concurrent clients POST households of five with a field officer's
  token, in ``WINDOWS`` windows per server, alternated (off, on, on, off, ...): households/s;
- a partner's full sync: NRC's key follows ``next`` through the whole registry (page_size=100) on
  both servers in lockstep, a page from one then the same page from the other, each timed with
  its JSON parsed: households/s.

Also counted: the log rows and ids the "on" server wrote, and the table's size at the end.
"""

import json
import os
import time
from dataclasses import dataclass, field

from bench.load import http_post_requests, load_run
from bench.partner import LIST_PATH, PAGE_SIZE, _Client, _path_of, _short, partner_setup
from bench.server import gunicorn

WINDOWS = 4
WINDOW_WARMUP = 2.0
TARGET_COST = 0.10


@dataclass
class Side:
    registered: int = 0
    registration_seconds: float = 0.0
    windows: list[float] = field(default_factory=list)
    households_synced: int = 0
    sync_seconds: float = 0.0
    pages: int = 0

    @property
    def registration_per_second(self) -> float:
        return self.registered / self.registration_seconds if self.registration_seconds else 0.0

    @property
    def sync_per_second(self) -> float:
        return self.households_synced / self.sync_seconds if self.sync_seconds else 0.0


@dataclass
class AccessLogCost:
    sides: dict[bool, Side] = field(default_factory=lambda: {False: Side(), True: Side()})
    errors: list[str] = field(default_factory=list)
    rows_written: int = 0
    ids_written: int = 0
    table_size: str = ""

    def cost(self, measure: str) -> float | None:
        off, on = getattr(self.sides[False], measure), getattr(self.sides[True], measure)
        return 1 - on / off if off and on else None


def _log_totals() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), coalesce(sum(cardinality(record_ids)), 0) FROM agencies_accesslogentry")
        rows, ids = cursor.fetchone()
    return rows, ids


def _timed_page(client: _Client, path: str) -> tuple[float, dict | None, str]:
    began = time.perf_counter()
    status, _first_byte, _total, body = client.get(path)
    if status != 200:
        return time.perf_counter() - began, None, f"HTTP {status}: {_short(body)}"
    page = json.loads(body)
    return time.perf_counter() - began, page, ""


def _sync_lockstep(result: AccessLogCost, clients: dict[bool, _Client]) -> None:
    paths = dict.fromkeys(clients, f"{LIST_PATH}?page_size={PAGE_SIZE}")
    order = [False, True]
    while all(paths.values()):
        order.reverse()  # who goes first alternates, page by page
        for enabled in order:
            seconds, page, error = _timed_page(clients[enabled], paths[enabled])
            if page is None:
                result.errors.append(
                    f"sync, log {'on' if enabled else 'off'}, page {result.sides[enabled].pages + 1}: {error}"
                )
                return
            side = result.sides[enabled]
            side.sync_seconds += seconds
            side.pages += 1
            side.households_synced += len(page["results"])
            paths[enabled] = _path_of(page["next"]) if page.get("next") else ""


def access_log_run(
    *, env: dict, token: str, bodies: list[bytes], workers, worker_class, threads, clients, duration, say
) -> AccessLogCost:
    from django.db import connection

    result = AccessLogCost()
    key = partner_setup()
    server = {"workers": workers, "worker_class": worker_class, "threads": threads}
    before = _log_totals()
    with (
        gunicorn(env={**env, "DJANGO_ACCESS_LOG": "0"}, **server) as off_address,
        gunicorn(env={**env, "DJANGO_ACCESS_LOG": "1"}, **server) as on_address,
    ):
        addresses = {False: off_address, True: on_address}
        window = duration / WINDOWS
        share = len(bodies) // (2 * WINDOWS)  # each window its own bodies: none is registered twice
        windows_run = 0
        for index in range(WINDOWS):
            for enabled in (False, True) if index % 2 == 0 else (True, False):
                host, port = addresses[enabled]
                mine = bodies[windows_run * share : (windows_run + 1) * share]
                windows_run += 1
                requests = http_post_requests(
                    host=host, port=port, path="/api/v1/households/", token=token, bodies=mine
                )
                load = load_run(
                    label="ours",
                    host=host,
                    port=port,
                    requests=requests,
                    clients=clients,
                    warmup=WINDOW_WARMUP,
                    duration=window,
                )
                side = result.sides[enabled]
                side.registered += load.ok
                side.registration_seconds += load.seconds
                side.windows.append(load.per_second)
                if load.errors:
                    result.errors.append(f"registration, log {'on' if enabled else 'off'}: {load.sample_error}")
        say(
            f"  registration: off {result.sides[False].registration_per_second:.1f}, "
            f"on {result.sides[True].registration_per_second:.1f} households/s"
        )
        sync_clients = {enabled: _Client(*addresses[enabled], key) for enabled in addresses}
        try:
            _sync_lockstep(result, sync_clients)
        finally:
            for client in sync_clients.values():
                client.close()
        say(
            f"  full sync: off {result.sides[False].sync_per_second:.0f}, "
            f"on {result.sides[True].sync_per_second:.0f} households/s"
        )
    after = _log_totals()
    result.rows_written, result.ids_written = after[0] - before[0], after[1] - before[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('agencies_accesslogentry'))")
        result.table_size = cursor.fetchone()[0]
    return result


def access_log_summary(result: AccessLogCost, *, clients: int, duration: float) -> list[str]:
    off, on = result.sides[False], result.sides[True]

    def line(label: str, measure: str, off_value: float, on_value: float) -> str:
        cost = result.cost(measure)
        if cost is None:
            return f"    {label:<44} not measured"
        verdict = "ok" if cost <= TARGET_COST else "MISSED"
        return (
            f"    {label:<44} off {off_value:8.1f}  on {on_value:8.1f} households/s   "
            f"cost {cost:6.1%}  (target <= {TARGET_COST:.0%}: {verdict})"
        )

    lines = [
        "(h) Access log (issue 10): two servers side by side, DJANGO_ACCESS_LOG off and on, paired measurements",
        line(
            f"registration ({clients} clients, {WINDOWS} x {duration / WINDOWS:g} s each)",
            "registration_per_second",
            off.registration_per_second,
            on.registration_per_second,
        ),
        line(
            f"partner full sync (page_size={PAGE_SIZE}, {on.pages:,} pages)",
            "sync_per_second",
            off.sync_per_second,
            on.sync_per_second,
        ),
        f"    registration windows: off {_figures(off.windows)}; on {_figures(on.windows)} households/s",
        f"    written by the server with the log on: {result.rows_written:,} rows naming {result.ids_written:,} "
        f"records; table now {result.table_size}",
    ]
    lines += [f"    error: {error}" for error in result.errors]
    lines.append(f"    load average now {os.getloadavg()[0]:.1f} (2 cores shared with other work)")
    return lines


def _figures(values: list[float]) -> str:
    return "/".join(f"{value:.0f}" for value in values)
