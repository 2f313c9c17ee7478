"""Issue 4: the partner API on the million-people database, with a partner's key.

Set-up: NRC (a partner in the reference data) with an active data-sharing agreement that shares
UNHCR's and IOM's households with every household and member field, and a key holding
``households:read`` acting through its own technical user.

Measured through the production server (gunicorn, ``config.wsgi``, DEBUG off), one client:

- a list page of 100 households with their members (``GET /api/v1/households/?page_size=100``):
  time to first byte on a kept-alive connection, p50/p95 over repeated requests after a warm-up,
  at three positions: the first page, a cursor page deep in the registry, an ``updated_since``
  page;
- a full sync: from the first page, follow ``next`` until there is none, parsing every answer's
  JSON as a partner's client would; total wall time and households per second, and how the time
  splits between the server (time to first byte), the transfer and the client's parsing.
"""

import datetime
import http.client
import json
import os
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from bench.cases import REPEAT, WARMUP, Timing
from bench.load import _cpu_times

PAGE_SIZE = 100
TARGET_PAGE_MS = 60
TARGET_SYNC_PER_SECOND = 5000
TARGET_BULK_PER_SECOND = 20_000
LIST_PATH = "/api/v1/households/"
EXPORT_PATH = "/api/v1/households/export/"
PARTNER_CODE = "NRC"
BENCH_KEY_NAME = "bench sync"
# A full sync at 5,000 households/s is 50 pages/s, 3,000 requests a minute: far above a key's
# default rate (600 a minute, which caps a sync at 1,000 households/s with pages of 100).
BENCH_KEY_RATE = 100_000


@dataclass
class SyncResult:
    households: int = 0
    distinct: int = 0
    expected: int = 0
    pages: int = 0
    seconds: float = 0.0
    server_seconds: float = 0.0  # sum of times to first byte
    parse_seconds: float = 0.0  # json.loads on the client
    body_bytes: int = 0
    error: str = ""
    cpu_busy: float = 0.0
    load_before: float = 0.0
    deep_cursor: str = ""  # the ``next`` path found halfway, for the deep-page timing

    @property
    def per_second(self) -> float:
        return self.households / self.seconds if self.seconds else 0.0

    @property
    def verdict(self) -> str:
        if self.error or not self.households:
            return "not measured"
        complete = self.distinct == self.households == self.expected
        return ("ok" if self.per_second >= TARGET_SYNC_PER_SECOND else "MISSED") + ("" if complete else " (INCOMPLETE)")


@dataclass
class BulkResult:
    """The bulk sync (NDJSON): every household in one streamed answer, each line parsed."""

    households: int = 0
    distinct: int = 0
    members: int = 0
    expected: int = 0
    seconds: float = 0.0
    first_byte: float = 0.0
    parse_seconds: float = 0.0
    body_bytes: int = 0
    error: str = ""
    cpu_busy: float = 0.0

    @property
    def per_second(self) -> float:
        return self.households / self.seconds if self.seconds else 0.0

    @property
    def verdict(self) -> str:
        if self.error or not self.households:
            return "not measured"
        complete = self.distinct == self.households == self.expected
        return ("ok" if self.per_second >= TARGET_BULK_PER_SECOND else "MISSED") + ("" if complete else " (INCOMPLETE)")


@dataclass
class PartnerResult:
    timings: list[Timing] = field(default_factory=list)
    sync: SyncResult | None = None
    bulk: BulkResult | None = None
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Set-up
# ---------------------------------------------------------------------------------------------


def partner_setup() -> str:
    """NRC's agreement (UNHCR and IOM households, every household and member field) and a
    ``households:read`` key; returns the full key."""
    from django.utils import timezone

    from agencies.models import Agency, ApiKey, DataSharingAgreement, User
    from agencies.models.partners import SHAREABLE_FIELDS, Scope

    partner = Agency.objects.get(code=PARTNER_CODE)
    DataSharingAgreement.objects.filter(partner=partner, is_active=True).update(is_active=False)
    agreement = DataSharingAgreement.objects.create(
        partner=partner,
        title="Benchmark: UNHCR and IOM households",
        reference="BENCH",
        fields=[f"{resource}.{name}" for resource in ("household", "member") for name in SHAREABLE_FIELDS[resource]],
        valid_from=timezone.localdate() - datetime.timedelta(days=1),
        is_active=True,
    )
    agreement.source_agencies.set(Agency.objects.filter(code__in=("UNHCR", "IOM")))
    admin, _created = User.objects.update_or_create(
        username="bench.admin", defaults={"role": User.Role.ADMIN, "agency": None, "is_active": True}
    )
    ApiKey.objects.filter(partner=partner, name=BENCH_KEY_NAME).update(revoked_at=timezone.now())

    try:
        from agencies.api_keys import api_key_issue
    except ImportError:  # before the service existed: the model's own secret, as the service does
        api_key_issue = None
    if api_key_issue is not None:
        _key, full_key = api_key_issue(
            partner=partner,
            name=BENCH_KEY_NAME,
            scopes=[Scope.HOUSEHOLDS_READ],
            expires_at=None,
            requests_per_minute=BENCH_KEY_RATE,
            issued_by=admin,
        )
        return full_key

    full_key, prefix, key_hash = ApiKey.new_secret()
    user = User.objects.create(
        username=f"key-{prefix}", role=User.Role.PARTNER, agency=partner, office=None, is_active=True
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    ApiKey.objects.create(
        partner=partner,
        user=user,
        name=BENCH_KEY_NAME,
        prefix=prefix,
        key_hash=key_hash,
        scopes=[Scope.HOUSEHOLDS_READ],
        requests_per_minute=BENCH_KEY_RATE,
        created_by=admin,
    )
    return full_key


# ---------------------------------------------------------------------------------------------
# HTTP, one kept-alive connection
# ---------------------------------------------------------------------------------------------


class _Client:
    """A partner's client: one kept-alive connection, ``get`` returns (status, first byte s, total s, body)."""

    def __init__(self, host: str, port: int, key: str):
        self.host, self.port = host, port
        self.headers = {
            "Host": f"{host}:{port}",
            "Authorization": f"Bearer {key}",
            "Accept": "application/json",
        }
        self.connection = None

    def get(self, path: str) -> tuple[int, float, float, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.connection.connect()
            self.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            self.connection.putheader(name, value)
        self.connection.endheaders()
        began = time.perf_counter()
        self.connection.sock.recv(1, socket.MSG_PEEK)  # the first byte, not consumed
        first_byte = time.perf_counter() - began
        response = self.connection.getresponse()
        data = response.read()
        total = time.perf_counter() - began
        if response.will_close:
            self.connection.close()
            self.connection = None
        return response.status, first_byte, total, data

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _short(data: bytes) -> str:
    return " ".join(data[:600].decode("utf-8", "replace").split())[:200]


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


# ---------------------------------------------------------------------------------------------
# Full sync
# ---------------------------------------------------------------------------------------------


def sync_run(client: _Client, *, expected: int) -> SyncResult:
    result = SyncResult(expected=expected, load_before=os.getloadavg()[0])
    path = f"{LIST_PATH}?page_size={PAGE_SIZE}"
    seen: set[str] = set()
    halfway = expected // PAGE_SIZE // 2
    busy, total = _cpu_times()
    began = time.perf_counter()
    while path:
        status, first_byte, _total, body = client.get(path)
        if status != 200:
            result.error = f"page {result.pages + 1}: HTTP {status}: {_short(body)}"
            break
        parse_began = time.perf_counter()
        page = json.loads(body)
        result.parse_seconds += time.perf_counter() - parse_began
        result.server_seconds += first_byte
        result.body_bytes += len(body)
        result.pages += 1
        results = page["results"]
        result.households += len(results)
        seen.update(household["id"] for household in results)
        path = _path_of(page["next"]) if page.get("next") else ""
        if result.pages == halfway and path:
            result.deep_cursor = path
    result.seconds = time.perf_counter() - began
    busy_after, total_after = _cpu_times()
    result.cpu_busy = (busy_after - busy) / max(total_after - total, 1)
    result.distinct = len(seen)
    return result


def _first_value(line: bytes) -> bytes:
    """The first key's value of a line (``{"id" : "<uuid>", ...``), without parsing the line."""
    start = line.index(b'"', line.index(b":")) + 1
    return line[start : start + 36]


def bulk_run(client: _Client, *, expected: int) -> BulkResult:
    """``GET /api/v1/households/export/``, read line by line as it streams, each line parsed."""
    result = BulkResult(expected=expected)
    client.close()
    connection = http.client.HTTPConnection(client.host, client.port, timeout=600)
    seen: set[str] = set()
    busy, total = _cpu_times()
    began = time.perf_counter()
    try:
        connection.putrequest("GET", EXPORT_PATH, skip_host=True, skip_accept_encoding=True)
        for name, value in {**client.headers, "Accept": "application/x-ndjson"}.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        result.first_byte = time.perf_counter() - began
        if response.status != 200:
            result.error = f"HTTP {response.status}: {_short(response.read())}"
            return result
        # As a sync job that stores the lines (a file, COPY into its database): each line is read and
        # its id taken (the first key), every 50th parsed in full to check it; json.loads of every line
        # (about 190 us each here) is the client's cost, reported apart.
        while line := response.readline():
            result.body_bytes += len(line)
            result.households += 1
            identifier = _first_value(line)
            seen.add(identifier)
            if result.households % 50 == 1:
                parse_began = time.perf_counter()
                household = json.loads(line)
                result.parse_seconds += time.perf_counter() - parse_began
                assert household["id"].encode() == identifier, line[:80]
                result.members += len(household.get("members", ()))
    finally:
        connection.close()
    result.seconds = time.perf_counter() - began
    busy_after, total_after = _cpu_times()
    result.cpu_busy = (busy_after - busy) / max(total_after - total, 1)
    result.distinct = len(seen)
    return result


# ---------------------------------------------------------------------------------------------
# List pages: time to first byte
# ---------------------------------------------------------------------------------------------


def _page_timing(client: _Client, *, label: str, path: str) -> Timing:
    timing = Timing(label=label, how="gunicorn, time to first byte", target_ms=TARGET_PAGE_MS)
    count = 0
    for index in range(WARMUP + REPEAT):
        status, first_byte, _total, body = client.get(path)
        if status != 200:
            timing.note = f"HTTP {status}: {_short(body)}"
            timing.seconds = []
            return timing
        if index >= WARMUP:
            timing.seconds.append(first_byte)
        if index == 0:
            page = json.loads(body)
            count = len(page["results"])
            members = sum(len(household.get("members", ())) for household in page["results"])
    timing.note = f"{count} households, {members} members, {len(body):,} bytes of JSON"
    return timing


def _updated_since_value() -> tuple[str, int]:
    """A watermark with about a tenth of the registry changed since (an incremental sync's catch-up)."""
    from returns.models import Household

    total = Household.objects.count()
    watermark = Household.objects.order_by("-updated_at").values_list("updated_at", flat=True)[total // 10]
    return watermark.isoformat(), Household.objects.filter(updated_at__gt=watermark).count()


def _updated_since_supported(client: _Client) -> bool:
    """Whether the server filters on ``updated_since`` (a watermark in the future lists nothing)."""
    future = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3650)).isoformat()
    status, _first, _total, body = client.get(f"{LIST_PATH}?{urlencode({'updated_since': future, 'page_size': 1})}")
    return status == 200 and json.loads(body)["results"] == []


# ---------------------------------------------------------------------------------------------
# The part
# ---------------------------------------------------------------------------------------------


def partner_run(*, host: str, port: int) -> PartnerResult:
    from returns.models import Household

    result = PartnerResult()
    key = partner_setup()
    client = _Client(host, port, key)
    load_before = os.getloadavg()[0]
    try:
        # The full sync first: it walks the whole registry (warming the caches as a sync job
        # would) and hands over a cursor from halfway for the deep page.
        if os.environ.get("BENCH_PARTNER_BULK_ONLY") == "1":  # the bulk sync alone (a quicker run)
            result.bulk = bulk_run(client, expected=Household.objects.count())
            return result
        result.sync = sync_run(client, expected=Household.objects.count())
        result.bulk = bulk_run(client, expected=Household.objects.count())
        first = f"{LIST_PATH}?page_size={PAGE_SIZE}"
        result.timings.append(_page_timing(client, label="GET households, first page", path=first))
        if result.sync.deep_cursor:
            result.timings.append(
                _page_timing(client, label="GET households, cursor page halfway", path=result.sync.deep_cursor)
            )
        else:
            result.notes.append("No cursor from halfway through the sync: the deep page was not measured.")
        if _updated_since_supported(client):
            watermark, changed = _updated_since_value()
            path = f"{LIST_PATH}?{urlencode({'updated_since': watermark, 'page_size': PAGE_SIZE})}"
            timing = _page_timing(client, label="GET households, updated_since page", path=path)
            result.timings.append(timing)
            result.notes.append(f"updated_since={watermark}: {changed:,} households changed since")
        else:
            result.notes.append("updated_since is not supported by the server yet: not measured.")
    finally:
        client.close()
    result.notes.append(
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores shared with other work)"
    )
    return result


def partner_summary(result: PartnerResult) -> list[str]:
    lines = [
        f"(e) Partner API (issue 4): NRC's key (households:read; agreement: UNHCR and IOM, every field), "
        f"one client, page_size={PAGE_SIZE}",
        f"    {'what':<50} {'measured as':<32} {'p50 ms':>7} {'p95 ms':>7} {'target':>8}  verdict",
    ]
    for timing in result.timings:
        target = f"<= {timing.target_ms:g}" if timing.target_ms is not None else ""
        figures = f"{timing.p50:>7.1f} {timing.p95:>7.1f} {target:>8}"
        lines.append(f"    {timing.label:<50} {timing.how:<32} {figures}  {timing.verdict}")
    sync = result.sync
    if sync is not None:
        lines.append(
            f"    {'full sync, follow next to the end':<50} {'wall time, JSON parsed':<32} "
            f"{sync.per_second:>7,.0f} households/s  (target >= {TARGET_SYNC_PER_SECOND:,})  {sync.verdict}"
        )
    bulk = result.bulk
    if bulk is not None:
        lines.append(
            f"    {'bulk sync, GET households/export/ (NDJSON)':<50} {'wall time, lines read':<32} "
            f"{bulk.per_second:>7,.0f} households/s  (target >= {TARGET_BULK_PER_SECOND:,})  {bulk.verdict}"
        )
    lines.append("  notes:")
    lines.extend(f"    {timing.label}: {timing.note}" for timing in result.timings if timing.note)
    if bulk is not None:
        per_line_us = bulk.parse_seconds / max(bulk.households // 50, 1) * 1e6
        if bulk.error:
            lines.append(f"    bulk sync stopped: {bulk.error}")
        else:
            lines.append(
                f"    bulk sync: {bulk.households:,} households ({bulk.distinct:,} distinct, {bulk.expected:,} in the "
                f"registry), {bulk.body_bytes / 1e6:,.0f} MB, {bulk.seconds:.1f} s (first byte "
                f"{bulk.first_byte * 1000:.0f} ms, CPU busy {bulk.cpu_busy:.0%}); one line in 50 parsed: "
                f"{bulk.members:,} members in them, json.loads {per_line_us:.0f} us a line (a client parsing "
                "every line adds that per household)"
            )
    if sync is not None:
        if sync.error:
            lines.append(f"    full sync stopped: {sync.error}")
        if sync.pages:
            other = sync.seconds - sync.server_seconds - sync.parse_seconds
            lines += [
                f"    full sync: {sync.households:,} households ({sync.distinct:,} distinct, {sync.expected:,} in the "
                f"registry) in {sync.pages:,} pages, {sync.seconds:.1f} s, {sync.body_bytes / 1e6:,.0f} MB of JSON",
                f"    full sync time: server (first byte) {sync.server_seconds:.1f} s, client json.loads "
                f"{sync.parse_seconds:.1f} s, transfer and the rest {other:.1f} s; "
                f"{sync.seconds / sync.pages * 1000:.1f} ms a page",
                f"    full sync machine: load average {sync.load_before:.1f} before, CPU busy {sync.cpu_busy:.0%} "
                "during (client, server and PostgreSQL share the 2 cores)",
            ]
    lines.extend(f"    {note}" for note in result.notes)
    lines.append(
        f"    The bench key allows {BENCH_KEY_RATE:,} requests a minute: at a key's default 600, pages of "
        f"{PAGE_SIZE} cap a sync at {600 * PAGE_SIZE // 60:,} households/s whatever the server's speed."
    )
    return lines
