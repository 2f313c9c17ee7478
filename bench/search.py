"""Issue 11 (first part): the search box and the agency-wide list on the million-people registry.

Through the production server, as UNHCR's manager (every household of the agency, no office
scope), time to first byte of the households list page, p50/p95 over repeated requests:

- the list with no search: counted only up to 10,000 rows (``agencies.paging``);
- a common given name in Latin letters (``Ahmad``), a name in Dari script, a head's given and
  father's names together, a registration number, a card number typed with other separators.

Targets (issue 11): a name search and an agency-wide list page at most 100 ms p95.

Then, in process, the duplicate candidates of people of the registry looked for again with
another spelling of their given name (``returns.matching.person_candidates``; target 25 ms p95).
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.cases import Timing, _Connection, _page_timing, _session_cookie, _users

TARGET_MS = 100
TARGET_CANDIDATES_MS = 25
USERNAME = "unhcr.manager"
CANDIDATE_SAMPLE = 40


@dataclass
class SearchResult:
    timings: list[Timing] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _examples() -> list[tuple[str, str]]:
    """(label, text) searched: taken from the registry, so each one finds something."""
    from returns.models import Household, Member, MemberDocument

    head = (
        Member.objects.filter(relationship="head", household__routed_agency__code="UNHCR", anonymised_at__isnull=True)
        .exclude(fathers_name="")
        .order_by("id")
        .values("given_name", "fathers_name", "given_name_local")
        .first()
    )
    household = Household.objects.filter(routed_agency__code="UNHCR").order_by("-id").values("registration_number")[0]
    document = (
        MemberDocument.objects.filter(member__household__routed_agency__code="UNHCR", document_type_id="por_card")
        .order_by("-id")
        .values_list("number", flat=True)
        .first()
    )
    examples = [("a common name, Latin letters", "Ahmad")]
    if head and head["given_name_local"]:
        examples.append(("a given name in Dari script", head["given_name_local"]))
    if head:
        examples.append(("a head's given and father's names", f"{head['given_name']} {head['fathers_name']}"))
    examples.append(("a registration number", household["registration_number"].lower()))
    if document:
        examples.append(("a card number typed otherwise", document.replace("-", " ").lower()))
    return examples


def search_run(*, host: str, port: int) -> SearchResult:
    result = SearchResult()
    cookie = _session_cookie(_users()[USERNAME])
    connection = _Connection(host, port)
    try:
        result.timings.append(
            _page_timing(
                connection,
                label="households list, agency-wide, no search",
                path="/households/",
                cookie=cookie,
                target_ms=TARGET_MS,
                expect=b"</html>",
            )
        )
        for label, text in _examples():
            result.timings.append(
                _page_timing(
                    connection,
                    label=f"search: {label}",
                    path=f"/households/?{urlencode({'q': text})}",
                    cookie=cookie,
                    target_ms=TARGET_MS,
                    expect=b"</html>",
                )
            )
            result.notes.append(f"searched {label}: {text!r}")
    finally:
        connection.close()
    result.timings.append(_candidates_timing())
    return result


def _candidates_timing() -> Timing:
    """``person_candidates`` for heads of the registry, their given name spelt otherwise (a vowel
    changed), their father's name and age as registered."""
    import time

    from agencies.models import User
    from returns.matching import PersonSought, person_candidates
    from returns.models import Member

    timing = Timing(
        label="duplicate candidates of one person (in process)", how="in process", target_ms=TARGET_CANDIDATES_MS
    )
    user = User.objects.get(username=USERNAME)
    heads = list(
        Member.objects.filter(relationship="head", anonymised_at__isnull=True)
        .exclude(fathers_name="")
        .order_by("-id")
        .values("id", "given_name", "fathers_name", "sex", "estimated_age", "date_of_birth")[:CANDIDATE_SAMPLE]
    )
    found = 0
    for index, head in enumerate(heads):
        respelt = head["given_name"].replace("a", "e", 1) if "a" in head["given_name"] else head["given_name"]
        sought = PersonSought(
            given_name=respelt,
            fathers_name=head["fathers_name"],
            sex=head["sex"],
            estimated_age=head["estimated_age"],
            date_of_birth=head["date_of_birth"],
        )
        began = time.perf_counter()
        candidates = person_candidates(sought, user=user)
        elapsed = time.perf_counter() - began
        found += head["id"] in {candidate.member.pk for candidate in candidates}
        if index >= 3:  # warm-up
            timing.seconds.append(elapsed)
    timing.note = f"{found} of {len(heads)} people found among their own candidates"
    return timing


def search_summary(result: SearchResult) -> list[str]:
    lines = [
        f"(i) Search and the agency-wide list (issue 11), as {USERNAME}, gunicorn, time to first byte",
        f"    {'what':<52} {'p50 ms':>8} {'p95 ms':>8} {'target':>8}  verdict",
    ]
    for timing in result.timings:
        lines.append(
            f"    {timing.label:<52} {timing.p50:>8.1f} {timing.p95:>8.1f} {'<= ' + str(timing.target_ms):>8}  "
            f"{timing.verdict}{'  (' + timing.note + ')' if timing.note else ''}"
        )
    lines += [f"    {note}" for note in result.notes]
    return lines
