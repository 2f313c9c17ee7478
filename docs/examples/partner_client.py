"""An example partner client: keep a local JSON mirror of the households your key may read.

    python docs/examples/partner_client.py --base-url https://returns.example.org --key rk_… --state mirror.json

The first run pages through every household (a full sync) and stores the households with the
run's watermark (the ``X-Sync-Watermark`` header). Every later run asks only for what changed
since that watermark: ``households/?updated_since=<watermark>`` (upserted into the mirror) and
``households/deleted/?since=<watermark>`` (removed from it: deleted, merged into another
household, which comes back among the changes, or re-routed to an agency the key does not
see; a tombstone is applied only over an older copy). Applying a household twice does no harm, so the
watermark may safely lag behind the last change seen. The state file is replaced only at the end
of a successful run: a run that fails is simply repeated from the same watermark.

Only ``requests`` is needed. The key can also come from the ``RETURNS_API_KEY`` environment
variable (it then does not show in the process list).
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime
from pathlib import Path

import requests

HOUSEHOLDS = "/api/v1/households/"
DELETED_HOUSEHOLDS = "/api/v1/households/deleted/"
WATERMARK_HEADER = "X-Sync-Watermark"
PAGE_SIZE = 100  # the largest page the API gives
TRANSIENT = {500, 502, 503, 504}


class SyncError(Exception):
    """The API refused a request; the message is its problem details (RFC 9457)."""


class PartnerApi:
    """GET with the key, following ``next`` links, waiting out 429s and retrying transient failures."""

    def __init__(self, base_url: str, key: str, *, attempts: int = 6, timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.attempts = attempts
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {key}", "Accept": "application/json"})

    def get(self, url: str, params: dict | None = None) -> requests.Response:
        if url.startswith("/"):
            url = self.base_url + url
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.session.get(url, params=params, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as error:
                if attempt == self.attempts:
                    raise SyncError(f"GET {url}: {error}") from error
                self._wait(backoff(attempt), f"{type(error).__name__}")
                continue
            if response.status_code == 429 and attempt < self.attempts:
                # Throttled: the server says how long to wait.
                self._wait(retry_after(response, default=backoff(attempt)), "429 Too Many Requests")
                continue
            if response.status_code in TRANSIENT and attempt < self.attempts:
                self._wait(retry_after(response, default=backoff(attempt)), f"{response.status_code}")
                continue
            if not response.ok:
                raise SyncError(f"GET {response.url}: {problem(response)}")
            return response
        raise AssertionError("unreachable")

    def pages(self, path: str, params: dict):
        """Every page of a list, as (results, watermark): the first with ``params``, then ``next``."""
        url, query = path, {**params, "page_size": PAGE_SIZE}
        while url:
            response = self.get(url, query)
            body = response.json()
            yield body["results"], response.headers.get(WATERMARK_HEADER)
            url, query = body.get("next"), None  # ``next`` already carries the query and the cursor

    @staticmethod
    def _wait(seconds: float, why: str) -> None:
        print(f"  {why}: waiting {seconds:.1f}s", file=sys.stderr)
        time.sleep(seconds)


def backoff(attempt: int) -> float:
    """1, 2, 4, 8… seconds (at most 60), with jitter so that many clients do not retry in step."""
    return min(60.0, 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0)  # noqa: S311 - not for security


def retry_after(response: requests.Response, *, default: float) -> float:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return default


def problem(response: requests.Response) -> str:
    try:
        body = response.json()
        return f"{body.get('status', response.status_code)} {body.get('code')}: {body.get('detail')}"
    except ValueError:
        return f"{response.status_code} {response.reason}"


def read_all(api: PartnerApi, path: str, params: dict) -> tuple[list[dict], str]:
    """Every row of a list and the run's watermark (the same on every page; kept from the last)."""
    rows, watermark = [], None
    for results, page_watermark in api.pages(path, params):
        rows += results
        watermark = page_watermark or watermark
    if watermark is None:
        raise SyncError(f"{path} answered no {WATERMARK_HEADER} header: is this server's API too old?")
    return rows, watermark


def full_sync(api: PartnerApi) -> tuple[dict, str, dict]:
    households, watermark = read_all(api, HOUSEHOLDS, {})
    mirror = {household["id"]: household for household in households}
    return mirror, watermark, {}


def incremental_sync(api: PartnerApi, mirror: dict, since: str) -> tuple[dict, str, dict]:
    changed, households_watermark = read_all(api, HOUSEHOLDS, {"updated_since": since})
    removed, deleted_watermark = read_all(api, DELETED_HOUSEHOLDS, {"since": since})
    summary = {"new": 0, "updated": 0, "deleted": 0, "merged": 0, "moved": 0}
    for household in changed:  # upserts: applying one twice changes nothing
        summary["updated" if household["id"] in mirror else "new"] += 1
        mirror[household["id"]] = household
    for tombstone in removed:
        # After the upserts, and only over an older copy: a household re-routed away and then back
        # again comes back among the changes, newer than its tombstone.
        copy = mirror.get(tombstone["id"])
        if copy is not None and parse_time(copy["updated_at"]) <= parse_time(tombstone["deleted_at"]):
            del mirror[tombstone["id"]]
            summary[tombstone.get("reason", "deleted")] += 1
    # Both lists hold every change made before their own watermark: the earlier one holds for both.
    return mirror, min(households_watermark, deleted_watermark, key=parse_time), summary


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def load_state(path: Path, base_url: str) -> dict | None:
    if not path.exists():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    if state.get("base_url") != base_url.rstrip("/"):
        raise SyncError(f"{path} mirrors {state.get('base_url')}, not {base_url}: use another --state file.")
    return state


def save_state(path: Path, state: dict) -> None:
    """Write to a temporary file, then replace: a crash never leaves half a mirror."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--key", default=os.environ.get("RETURNS_API_KEY"), help="rk_… (or set RETURNS_API_KEY)")
    parser.add_argument("--state", type=Path, required=True, help="the JSON mirror, created on the first run")
    parser.add_argument("--full", action="store_true", help="ignore the watermark and sync everything again")
    args = parser.parse_args(argv)
    if not args.key:
        parser.error("give --key or set RETURNS_API_KEY")

    api = PartnerApi(args.base_url, args.key)
    started = time.monotonic()
    try:
        state = None if args.full else load_state(args.state, args.base_url)
        if state is None:
            mirror, watermark, summary = full_sync(api)
            kind = "full sync"
        else:
            mirror, watermark, summary = incremental_sync(api, state["households"], state["watermark"])
            kind = f"incremental sync since {state['watermark']}"
    except SyncError as error:
        print(f"sync failed, mirror unchanged: {error}", file=sys.stderr)
        return 1
    save_state(args.state, {"base_url": api.base_url, "watermark": watermark, "households": mirror})
    counts = "".join(f"{count} {what}, " for what, count in summary.items())
    print(
        f"{kind}: {counts}{len(mirror)} households in {args.state}; "
        f"next run from {watermark} ({time.monotonic() - started:.1f}s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
