"""Issue 3: the case-management reads and writes on the million-people database.

Three ways of measuring, each printed with its figures:

- selectors, in the bench process against the bench database (DEBUG off): wall time of the
  queries a page runs, p50/p95 over repeated runs after a warm-up, with the EXPLAIN (ANALYZE,
  BUFFERS) of every SQL statement they send (written next to the results);
- pages and API, through the production server (gunicorn, ``config.wsgi``): time to first byte,
  from the last byte of the request written to the first byte of the answer read, one request at
  a time (no concurrent load), on a kept-alive connection, logged in as the demo users;
- one transition, ``screen_not_eligible`` (counted, not assisted: the usual outcome) on distinct IOM
  cases waiting at screening: through the API (time to first byte) and through the service
  ``case_transition`` called in process (wall time).
"""

import datetime
import http.client
import json
import os
import socket
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

WARMUP = 3
REPEAT = 30
TRANSITIONS = 150  # the 1M-people demo has about 400 IOM cases waiting at screening: two runs of 153 fit
ARRIVAL_WEEKS = 12

# Targets of issue 3 (server time).
TARGET_CASELOAD_MS = 300
TARGET_MY_CASES_MS = 150
TARGET_TRANSITION_P95_MS = 50


@dataclass
class Timing:
    label: str
    how: str
    target_ms: float | None = None
    seconds: list[float] = field(default_factory=list)
    note: str = ""

    def percentile(self, fraction: float) -> float:
        if not self.seconds:
            return float("nan")
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * 1000

    @property
    def p50(self) -> float:
        return self.percentile(0.5)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.seconds) * 1000 if self.seconds else float("nan")

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return ""
        if not self.seconds:
            return "not measured"
        return "ok" if self.p95 <= self.target_ms else "MISSED"


@dataclass
class CasesResult:
    timings: list[Timing] = field(default_factory=list)
    explains: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    caseload: dict = field(default_factory=dict)


def _repeat(function: Callable[[], object], *, warmup: int = WARMUP, repeat: int = REPEAT) -> list[float]:
    for _ in range(warmup):
        function()
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - began)
    return seconds


def _explain(label: str, function: Callable[[], object]) -> str:
    """Run ``function`` once, capturing its SQL, and EXPLAIN ANALYZE every statement it sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    parts = [f"=== {label}: {len(captured.captured_queries)} queries"]
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            parts.append(f"--- {sql}\n{plan}\n")
    return "\n".join(parts)


def _short(data: bytes) -> str:
    return " ".join(data[:600].decode("utf-8", "replace").split())[:200]


def _execution_ms(plan_text: str) -> list[str]:
    return [line.strip() for line in plan_text.splitlines() if line.strip().startswith("Execution Time")]


# ---------------------------------------------------------------------------------------------
# Users and sessions
# ---------------------------------------------------------------------------------------------


def _users() -> dict:
    from agencies.models import User

    return {user.username: user for user in User.objects.filter(username__contains=".").select_related("agency")}


def _session_cookie(user) -> str:
    """A logged-in session for ``user`` (as the login page would create), for the server."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _token(user) -> str:
    from agencies.staff_tokens import staff_token_issue

    _token, key = staff_token_issue(user=user, name="bench")
    return key


# ---------------------------------------------------------------------------------------------
# Selectors in process
# ---------------------------------------------------------------------------------------------


def selectors_measure(result: CasesResult, *, today: datetime.date) -> None:
    from returns.models import Case
    from returns.selectors.cases import arrivals_per_week, case_filter, caseload_counts, my_cases, with_head_name

    users = _users()
    manager, worker = users["iom.manager"], users["iom.caseworker"]
    visible = Case.objects.visible_to(manager)

    def counts():
        return caseload_counts(cases=visible, today=today)

    def open_cases_page():
        queryset = case_filter(user=manager, params={"open": "true"}).qs.order_by("stage_due_date", "id")
        return queryset.count(), list(queryset[:50])

    def overdue_page():
        queryset = with_head_name(visible.overdue(today).select_related("household", "office", "assigned_to"))
        queryset = queryset.order_by("stage_due_date", "id")
        return queryset.count(), list(queryset[:25])

    def arrivals():
        return arrivals_per_week(user=manager, weeks=ARRIVAL_WEEKS, today=today)

    def mine():
        return list(my_cases(user=worker, today=today))

    result.caseload = {
        "iom_cases": visible.count(),
        "iom_open": visible.open().count(),
        "my_cases": len(mine()),
    }
    for label, function in (
        ("caseload_counts (IOM manager)", counts),
        ("case_filter open, count + [:50]", open_cases_page),
        ("overdue, count + [:25]", overdue_page),
        (f"arrivals_per_week ({ARRIVAL_WEEKS} weeks)", arrivals),
        ("my_cases (iom.caseworker)", mine),
    ):
        timing = Timing(label=f"selector {label}", how="in-process wall time")
        timing.seconds = _repeat(function)
        result.timings.append(timing)
        plan = _explain(label, function)
        result.explains.append(plan)
        timing.note = "; ".join(_execution_ms(plan))


# ---------------------------------------------------------------------------------------------
# Through the server: time to first byte
# ---------------------------------------------------------------------------------------------


class _Connection:
    """One kept-alive HTTP/1.1 connection; ``request`` returns (status, seconds to first byte, body)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.connection = None

    def request(self, method: str, path: str, *, headers: dict, body: bytes = b"") -> tuple[int, float, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.connection.connect()
            self.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.connection.putheader(name, value)
        self.connection.endheaders(body)
        began = time.perf_counter()
        # Wait for the first byte of the answer without consuming it.
        self.connection.sock.recv(1, socket.MSG_PEEK)
        first_byte = time.perf_counter() - began
        response = self.connection.getresponse()
        data = response.read()
        if response.will_close:
            self.connection.close()
            self.connection = None
        return response.status, first_byte, data

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _page_timing(
    connection: _Connection, *, label: str, path: str, cookie: str, target_ms: float | None, expect: bytes
) -> Timing:
    timing = Timing(label=label, how="gunicorn, time to first byte", target_ms=target_ms)
    headers = {"Host": f"{connection.host}:{connection.port}", "Cookie": cookie, "Accept": "text/html"}
    for index in range(WARMUP + REPEAT):
        status, first_byte, body = connection.request("GET", path, headers=headers)
        if status != 200 or expect not in body:
            timing.note = f"HTTP {status}: {_short(body)}"
            timing.seconds = []
            return timing
        if index >= WARMUP:
            timing.seconds.append(first_byte)
    timing.note = f"{len(body):,} bytes of HTML"
    return timing


def pages_measure(result: CasesResult, *, host: str, port: int) -> None:
    from django.urls import Resolver404, resolve

    users = _users()
    connection = _Connection(host, port)
    try:
        for path, username, target, expect in (
            ("/cases/caseload/", "iom.manager", TARGET_CASELOAD_MS, b"</html>"),
            ("/cases/caseload/", "unhcr.manager", TARGET_CASELOAD_MS, b"</html>"),
            ("/cases/mine/", "iom.caseworker", TARGET_MY_CASES_MS, b"</html>"),
            ("/cases/mine/", "unhcr.caseworker", TARGET_MY_CASES_MS, b"</html>"),
        ):
            try:
                resolve(path)
            except Resolver404:
                result.notes.append(f"{path} is not routed yet: not measured.")
                continue
            cookie = _session_cookie(users[username])
            result.timings.append(
                _page_timing(
                    connection,
                    label=f"GET {path} ({username})",
                    path=path,
                    cookie=cookie,
                    target_ms=target,
                    expect=expect,
                )
            )
    finally:
        connection.close()


def _screening_cases(count: int, *, exclude: set[int]) -> list:
    from returns.models import Case

    return list(
        Case.objects.filter(agency__code="IOM", stage="screening", closed_at__isnull=True)
        .exclude(pk__in=exclude)
        .order_by("-id")[:count]
    )


def transitions_measure(result: CasesResult, *, host: str | None, port: int | None) -> None:
    from django.urls import Resolver404, resolve

    from returns.services.cases import case_transition

    users = _users()
    worker = users["iom.caseworker"]
    used: set[int] = set()

    # Through the API, on the production server.
    api_path = "/api/v1/cases/{}/transitions/"
    try:
        resolve(api_path.format("00000000-0000-0000-0000-000000000000"))
        has_api = host is not None
    except Resolver404:
        has_api = False
        result.notes.append("POST /api/v1/cases/{id}/transitions/ is not routed yet: not measured.")
    if has_api:
        cases = _screening_cases(TRANSITIONS + WARMUP, exclude=used)
        used.update(case.pk for case in cases)
        timing = Timing(
            label="POST /api/v1/cases/{id}/transitions/ screen_not_eligible",
            how="gunicorn, time to first byte",
            target_ms=TARGET_TRANSITION_P95_MS,
        )
        connection = _Connection(host, port)
        headers = {
            "Host": f"{host}:{port}",
            "Authorization": f"Token {_token(worker)}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        errors = 0
        try:
            for index, case in enumerate(cases):
                body = json.dumps({"transition": "screen_not_eligible", "version": case.version, "inputs": {}}).encode()
                status, first_byte, data = connection.request(
                    "POST", api_path.format(case.public_id), headers=headers, body=body
                )
                if status != 200:
                    errors += 1
                    timing.note = f"HTTP {status}: {_short(data)}"
                elif index >= WARMUP:
                    timing.seconds.append(first_byte)
        finally:
            connection.close()
        if errors:
            timing.note = f"{errors} errors; last {timing.note}"
        else:
            timing.note = f"{len(timing.seconds)} distinct cases, screening -> closed (counted, not assisted)"
        result.timings.append(timing)

    # Through the service, in process.
    cases = _screening_cases(TRANSITIONS + WARMUP, exclude=used)
    timing = Timing(
        label="case_transition() screen_not_eligible", how="in-process wall time", target_ms=TARGET_TRANSITION_P95_MS
    )
    for index, case in enumerate(cases):
        began = time.perf_counter()
        case_transition(case=case, transition_code="screen_not_eligible", actor=worker, expected_version=case.version)
        if index >= WARMUP:
            timing.seconds.append(time.perf_counter() - began)
    timing.note = f"{len(timing.seconds)} distinct cases, screening -> closed (counted, not assisted)"
    result.timings.append(timing)
    one_more = _screening_cases(1, exclude=used | {case.pk for case in cases})
    if one_more:
        result.explains.append(
            _explain(
                "case_transition screen_not_eligible (one more case)",
                lambda: case_transition(case=one_more[0], transition_code="screen_not_eligible", actor=worker),
            )
        )


def cases_run(*, host: str | None, port: int | None, today: datetime.date | None = None) -> CasesResult:
    from django.utils import timezone

    result = CasesResult()
    today = today or timezone.localdate()
    load_before = os.getloadavg()[0]
    selectors_measure(result, today=today)
    if host is not None:
        pages_measure(result, host=host, port=port)
    transitions_measure(result, host=host, port=port)
    result.notes.append(
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores shared with other work)"
    )
    return result


def cases_summary(result: CasesResult) -> list[str]:
    lines = [
        f"(d) Cases (issue 3): {WARMUP} warm-up runs, then p50/p95 over {REPEAT} runs (transitions: "
        f"{TRANSITIONS} distinct cases); one request at a time",
        f"    IOM cases {result.caseload.get('iom_cases', 0):,} ({result.caseload.get('iom_open', 0):,} open); "
        f"iom.caseworker has {result.caseload.get('my_cases', 0):,} open cases assigned",
        f"    {'what':<50} {'measured as':<32} {'p50 ms':>7} {'p95 ms':>7} {'target':>8}  verdict",
    ]
    for timing in result.timings:
        target = f"<= {timing.target_ms:g}" if timing.target_ms is not None else ""
        figures = f"{timing.p50:>7.1f} {timing.p95:>7.1f} {target:>8}"
        lines.append(f"    {timing.label:<50} {timing.how:<32} {figures}  {timing.verdict}")
    notes = [f"    {timing.label}: {timing.note}" for timing in result.timings if timing.note]
    if notes:
        lines.append("  notes:")
        lines.extend(notes)
    lines.extend(f"    {note}" for note in result.notes)
    lines.append(
        "    Time to first byte: from the request's last byte written to the answer's first byte read, on a "
        "kept-alive connection to gunicorn (DEBUG off): the server's time, without the transfer of the body."
    )
    return lines
