"""Incremental sync: cursor pagination with a stable order and a safe watermark.

A partner mirrors a resource in runs. A first, full run pages through the list; every later run
asks for ``updated_since=<watermark of the previous run>`` (ordered by ``updated_at``, then
``id``, oldest first) and for the tombstones ``deleted/?since=<same watermark>``. Every page of a
run answers the run's watermark in the ``X-Sync-Watermark`` header; it is computed when the run's
first page is read and carried in the cursor, so a client simply keeps the header of the last page
it read (for households and their tombstones, the smaller of the two).
"""

import datetime
from base64 import b64decode, b64encode
from urllib import parse

from django.db import connection
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import replace_query_param

WATERMARK_HEADER = "X-Sync-Watermark"
# Covers the clocks of the application servers (which stamp ``updated_at``) drifting from the database's.
WATERMARK_MARGIN = datetime.timedelta(seconds=2)
MAX_PAGE_SIZE = 100

WATERMARK_PARAMETER = OpenApiParameter(
    WATERMARK_HEADER,
    OpenApiTypes.DATETIME,
    OpenApiParameter.HEADER,
    response=[200],
    description=_(
        "Keep it and ask next time for `updated_since=<this value>` (and `deleted/?since=<this value>`): "
        "every change made before it has been given. The same on every page of a run."
    ),
)


def sync_watermark() -> datetime.datetime:
    """The time up to which a list read now has seen every change: ask from here next time.

    ``min(database now, start of the oldest running transaction) − 2 s``. A row's ``updated_at``
    is stamped inside its transaction but becomes visible only when that transaction commits, so
    a row committed *after* this read may carry an ``updated_at`` *earlier* than now: a client
    that asked next time from "now" would never see it. Every transaction still running started at
    or after the oldest ``xact_start`` in ``pg_stat_activity``, so its rows carry an ``updated_at``
    at least that late; everything stamped earlier was committed before this read. The margin
    covers clocks: ``updated_at`` comes from the application server, ``xact_start`` from the
    database. Asking from the watermark gives some rows twice, which a mirror applies idempotently.

    Only this database's client sessions count (autovacuum does not write rows we serve); the
    application's database role sees its own sessions' ``xact_start``. The statistics snapshot is
    cleared first: inside a transaction PostgreSQL would otherwise answer the one it took earlier.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT pg_stat_clear_snapshot();
            SELECT LEAST(clock_timestamp(), MIN(xact_start)) - make_interval(secs => %s)
            FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend' AND xact_start IS NOT NULL
            """,
            [WATERMARK_MARGIN.total_seconds()],
        )
        (watermark,) = cursor.fetchone()
    return watermark


class StableCursorPagination(CursorPagination):
    """Cursor pagination in a fixed order with the id last, so that no row is given twice or skipped."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as invalid:
            # A cursor the client altered is a bad query parameter: 400, like an invalid filter (not 404).
            raise ValidationError({self.cursor_query_param: [invalid.detail]}, code="invalid_cursor") from None


class SyncCursorPagination(StableCursorPagination):
    """Newest first by default; with ``updated_since`` (``sync_param``), oldest change first.

    Every page carries the run's watermark (``X-Sync-Watermark``), computed before the run's first
    page is read (so that the page cannot miss a change older than it) and kept in the cursor.
    """

    sync_param = "updated_since"
    sync_ordering = ("updated_at", "id")
    watermark: datetime.datetime | None = None

    def get_ordering(self, request, queryset, view):
        if self.sync_param and request.query_params.get(self.sync_param):
            return self.sync_ordering
        return super().get_ordering(request, queryset, view)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        self.watermark = None
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None:
            try:
                tokens = parse.parse_qs(b64decode(encoded.encode("ascii")).decode("ascii"))
                self.watermark = parse_datetime(tokens["w"][0]) if "w" in tokens else None
            except (TypeError, ValueError, KeyError) as error:
                raise ValidationError(
                    {self.cursor_query_param: [self.invalid_cursor_message]}, code="invalid_cursor"
                ) from error
        if self.watermark is None:
            self.watermark = sync_watermark()
        return cursor

    def encode_cursor(self, cursor):
        tokens = {}
        if cursor.offset != 0:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = cursor.position
        tokens["w"] = self.watermark.isoformat()
        encoded = b64encode(parse.urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response[WATERMARK_HEADER] = self.watermark.isoformat()
        return response
