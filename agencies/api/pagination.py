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

import django_filters
from django import forms
from django.core.exceptions import FieldError
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
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


# The offsets time zones use, from UTC−12:00 to UTC+14:00. ISO 8601 writes offsets up to ±23:59 and
# Python reads them; PostgreSQL refuses those beyond ±15:59 ("time zone displacement out of range").
UTC_OFFSETS = (datetime.timedelta(hours=-12), datetime.timedelta(hours=14))


def in_utc(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` (aware) in UTC, as the database compares it.

    ``ValueError`` for an offset no time zone has (``-17:57``); ``OverflowError`` when the moment
    falls outside the years 1 to 9999 in UTC (``0001-01-01T00:00:00+04:30``).
    """
    offset = moment.utcoffset()
    if offset is None or not UTC_OFFSETS[0] <= offset <= UTC_OFFSETS[1]:
        raise ValueError(f"UTC offset out of range: {offset}")
    return moment.astimezone(datetime.UTC)


class SyncTimeField(IsoDateTimeField):
    """An ISO 8601 time that the database can compare: an offset between −12:00 and +14:00 (without
    one, Kabul time), within the years 1 to 9999 once in UTC."""

    default_error_messages = {
        "offset_out_of_range": _(
            "No time zone has this UTC offset: give one from -12:00 to +14:00, e.g. 2026-11-28T09:30:00+00:00."
        ),
        "out_of_range": _(
            "This time is out of range: in UTC it must fall between the years 1 and 9999, "
            "e.g. 2026-11-28T09:30:00+00:00."
        ),
    }

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return in_utc(moment)
        except ValueError:
            code = "offset_out_of_range"
        except OverflowError:
            code = "out_of_range"
        raise forms.ValidationError(self.error_messages[code], code=code)


class SyncTimeFilter(django_filters.IsoDateTimeFilter):
    """``updated_since`` and ``since`` of the incremental sync: a time out of range is a 400
    (``offset_out_of_range``, ``out_of_range``), never a database error."""

    field_class = SyncTimeField


class StableCursorPagination(CursorPagination):
    """Cursor pagination in a fixed order with the id last, so that no row is given twice or skipped.

    What a client sends is checked, never replaced: a ``page_size`` that is not a whole number from 1
    to ``max_page_size`` is a 400 (``invalid_page_size``) naming the range, and a cursor this server
    did not give (garbled, or decoding to a position its ordering cannot hold) a 400 (``invalid_cursor``).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_cursor_message = _("This cursor was not given by this list: follow the `next` link, or start again.")

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        size = int(value) if value.isascii() and value.isdigit() else 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d (without it, %(default)d).")
                        % {"max": self.max_page_size, "default": self.page_size}
                    ]
                },
                code="invalid_page_size",
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self.queryset = queryset  # the position of a cursor is checked against it (decode_cursor)
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            # A cursor the client altered is a bad query parameter: 400, like an invalid filter (not 404).
            raise self.invalid_cursor() from None
        if cursor is None or cursor.position is None:
            return cursor
        return cursor._replace(position=self.checked_position(cursor.position))

    def checked_position(self, position: str) -> str:
        """The position a cursor carries, as the first field of the ordering reads it.

        DRF filters the list by it (``created_at < position``): a forged one must be refused here,
        not found wrong by the database. A time is compared in UTC, written as DRF writes positions.
        """
        name = self.ordering[0].lstrip("-")
        try:
            if "\x00" in position:
                raise ValueError(position)
            field = self.queryset.query.clone().resolve_ref(name).output_field
            value = field.to_python(position)
            if isinstance(value, datetime.datetime):
                return str(in_utc(value))
        except (DjangoValidationError, FieldError, ValueError, TypeError, OverflowError):
            raise self.invalid_cursor() from None
        return position

    def invalid_cursor(self) -> ValidationError:
        return ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}, code="invalid_cursor")

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size, default=self.page_size)
                parameter["description"] = str(
                    _("Records per page, from 1 to %(max)d (default %(default)d).")
                    % {"max": self.max_page_size, "default": self.page_size}
                )
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = str(
                    _("The `next` or `previous` link's cursor; one this server did not give is a 400.")
                )
        return parameters


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
                if "w" in tokens:
                    watermark = parse_datetime(tokens["w"][0])
                    if watermark is None:
                        raise ValueError(tokens["w"][0])
                    self.watermark = in_utc(watermark)
            except (TypeError, ValueError, KeyError, OverflowError) as error:
                raise self.invalid_cursor() from error
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
