"""The households API: register, list, read, change, withdraw and merge households; tombstones for sync.

Views are thin: parse with a serializer, call one service of ``returns.services`` or a selector
(which start from the visibility gate), shape the answer. Errors come out in one shape
(``agencies.api.errors``). Every view names the scope a partner's key needs per method
(``required_scopes``, checked by ``agencies.api.access.ScopeRequired``); a method that names
none is for staff only.
"""

from functools import cache

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status
from rest_framework.response import Response

from agencies.access_log import Action, Kind, access_log_stream_write
from agencies.api.access import refuse_unreadable_writes, shared_fields
from agencies.api.base import ApiView, access_answer_ids
from agencies.api.errors import ErrorSerializer
from agencies.api.idempotency import idempotent
from agencies.api.openapi import (
    ERRORS,
    IDEMPOTENCY_KEY,
    INVALID_FILTER,
    POST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    id_parameter,
    with_errors,
)
from agencies.api.pagination import WATERMARK_HEADER, WATERMARK_PARAMETER, SyncCursorPagination, sync_watermark
from agencies.api.parsers import JSONParser
from agencies.models import Scope
from agencies.problems import Refused
from agencies.replica import primary_position, replica_configured, replica_reads
from returns import policy
from returns.api.bulk_sync import NDJSON, StreamNegotiation, SyncLines
from returns.api.listing import HouseholdListing
from returns.api.serializers.households import (
    UPDATE_TOUCHES,
    DeletedRecordSerializer,
    HouseholdMergeSerializer,
    HouseholdRegistrationSerializer,
    HouseholdRemovalSerializer,
    HouseholdSerializer,
    HouseholdUpdateSerializer,
    MemberRegistrationSerializer,
)
from returns.filters.households import DeletedRecordFilter, HouseholdApiFilter
from returns.models import DeletedRecord, Household
from returns.selectors.households import (
    deleted_record_filter,
    household_api_filter,
    household_api_get,
    household_for_answer,
    household_visible,
)
from returns.services.households import household_merge, household_register, household_update, household_withdraw

NOT_AUTHENTICATED = ERRORS[401]
NOT_FOUND = OpenApiResponse(ErrorSerializer, description=_("No such household, or not one this user may see."))
TAGS = ["households"]


@cache
def _field_names(serializer_class) -> frozenset[str]:
    """The names a serializer accepts, read once: building its fields copies every one (nested
    members included), which a registration would otherwise pay twice more."""
    return frozenset(serializer_class().fields)


class CanRegisterHouseholds(permissions.BasePermission):
    message = _("Your role cannot register households.")

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or policy.may_register(request.user)


class HouseholdCursorPagination(SyncCursorPagination):
    # Creation time never changes and is indexed; the id breaks the (rare) ties. With updated_since:
    # oldest change first (updated_at, id), so that a client can page through the changes.
    ordering = ("-created_at", "-id")


class DeletedRecordCursorPagination(SyncCursorPagination):
    ordering = ("deleted_at", "id")
    sync_param = None


def shared_loading(request) -> dict:
    """What to load for the answer: only what the request's caller (a partner's key) is given."""
    household = shared_fields(request, "household")
    member = shared_fields(request, "member")
    return {
        "members": household is None or "members" in household,
        "routing": household is None or "routing" in household,
        "documents": member is None or "documents" in member,
        "specific_needs": member is None or "specific_needs" in member,
    }


class HouseholdListCreateView(ApiView):
    access_kind = Kind.HOUSEHOLD
    required_scopes = {"GET": Scope.HOUSEHOLDS_READ, "POST": Scope.HOUSEHOLDS_WRITE}
    extra_permissions = (CanRegisterHouseholds,)
    parser_classes = [JSONParser]  # members nest documents: form encodings cannot carry them
    serializer_class = HouseholdSerializer
    pagination_class = HouseholdCursorPagination
    # Declared for the OpenAPI schema (model, filter parameters). Reads go through the selectors,
    # which start from the visibility gate; this queryset is empty so that it cannot leak.
    queryset = Household.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = HouseholdApiFilter

    @extend_schema(
        operation_id="households_list",
        tags=TAGS,
        summary=_("List households"),
        description=_(
            "The households this user may see (routed to their agency, or registered by them; a partner's key: "
            "those of the agencies its data-sharing agreement covers), newest first, with members, documents "
            "and specific needs. A partner receives only the fields its agreement shares. A field officer sees "
            "their own office unless `scope=agency`. Cursor pagination: follow `next`.\n\n"
            "Incremental sync: with `updated_since`, the households changed since then, oldest change first; "
            "keep the `X-Sync-Watermark` header for the next run and read `deleted/` for what disappeared."
        ),
        parameters=[WATERMARK_PARAMETER],
        responses=with_errors({200: HouseholdSerializer(many=True), 400: INVALID_FILTER}, *READ_ERRORS),
    )
    def get(self, request):
        filterset = household_api_filter(user=request.user, params=request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        # The same answer as the serializer's, built from rows (returns.api.listing: ~5x faster).
        listing = HouseholdListing.of(self.get_serializer(many=True))
        if listing is not None:
            return self.get_paginated_response(listing.data(self.paginate_queryset(listing.rows(filterset.qs))))
        page = self.paginate_queryset(household_for_answer(filterset.qs, **shared_loading(request)))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="households_register",
        tags=TAGS,
        summary=_("Register a household"),
        description=_(
            "Validate, route and save an arriving household with its members, documents and specific "
            "needs. The answer says which agency assists it (UNHCR or IOM), in which category, and why. "
            "Nothing is saved when anything is invalid: the 400 lists every problem."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=HouseholdRegistrationSerializer,
        responses=with_errors(
            {
                201: HouseholdSerializer,
                400: OpenApiResponse(
                    ERRORS[400].response, description=_("Malformed or invalid registration; nothing was saved.")
                ),
            },
            *POST_ERRORS,
        ),
    )
    @idempotent
    def post(self, request):
        # A key registers only what its agreement lets it read back (each member's fields included).
        refuse_unreadable_writes(
            request,
            request.data,
            resource="household",
            writable=_field_names(HouseholdRegistrationSerializer),
            items={"members": ("member", _field_names(MemberRegistrationSerializer))},
        )
        serializer = HouseholdRegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        household = household_register(registered_by=request.user, registration=serializer.validated_data)
        # The service hands back the household with its members, documents and needs attached: the answer
        # is built from them (returns.api.listing, the serializer's fields read once per agreement).
        listing = HouseholdListing.for_request(self.get_serializer_class(), request)
        return Response(
            listing.item(household) if listing is not None else self.get_serializer(household).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:household-detail", kwargs={"id": household.public_id})},
        )


class HouseholdExportView(ApiView):
    """A partner's bulk sync: every household the caller may see, streamed as NDJSON (``returns.api.bulk_sync``)."""

    access_kind = None  # each batch is written to the access log as it is sent (an export)
    required_scopes = {"GET": Scope.HOUSEHOLDS_READ}
    content_negotiation_class = StreamNegotiation
    serializer_class = HouseholdSerializer
    queryset = Household.objects.none()  # for the schema only: reads start from the visibility gate
    filter_backends = [DjangoFilterBackend]
    filterset_class = HouseholdApiFilter

    @extend_schema(
        operation_id="households_export",
        tags=TAGS,
        summary=_("Export every household (bulk sync, NDJSON)"),
        description=_(
            "Every household this caller may see, as newline-delimited JSON: one household a line, the same "
            "object as in the list (members, documents, specific needs; for a partner, only the fields its "
            "agreement shares), oldest change first, streamed as the database writes it. The same filters as "
            "the list; with `updated_since`, only the households changed since then.\n\n"
            "Keep the `X-Sync-Watermark` header and ask next time with `updated_since=<that value>` (and read "
            "`deleted/?since=<that value>`). If the stream breaks, ask again with `updated_since=<updated_at "
            "of the last line you received>`: lines may repeat, none is lost."
        ),
        parameters=[WATERMARK_PARAMETER],
        responses=with_errors(
            {
                (200, NDJSON): OpenApiResponse(
                    HouseholdSerializer, description=_("One household a line (application/x-ndjson).")
                ),
                400: INVALID_FILTER,
            },
            *READ_ERRORS,
        ),
    )
    def get(self, request):
        filterset = household_api_filter(user=request.user, params=request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        lines = SyncLines.of(filterset.qs, self.get_serializer())
        watermark = sync_watermark()
        # From the replica when one is configured and has replayed everything before the watermark
        # (waiting a moment for it), else from the primary.
        position = primary_position() if replica_configured() else None
        response = StreamingHttpResponse(_export_stream(request, lines, position), content_type=NDJSON)
        response[WATERMARK_HEADER] = watermark.isoformat()
        response["Cache-Control"] = "no-store"
        return response


def _export_stream(request, lines: SyncLines, position: str | None):
    with replica_reads(request, at_least=position, wait_seconds=2):
        yield from _export_batches(request, lines)


def _export_batches(request, lines: SyncLines):
    for batch in lines.batches():
        # Logged before it is sent: a batch the client received is always in the log.
        access_log_stream_write(
            request,
            kind=Kind.HOUSEHOLD,
            ids=[public_id for public_id, _line in batch],
            action=Action.EXPORT,
            status=200,
        )
        yield b"\n".join(line for _public_id, line in batch) + b"\n"


def _household_answer(view, request, public_id) -> dict:
    household = household_api_get(user=request.user, public_id=public_id, **shared_loading(request))
    return view.get_serializer(household).data


class HouseholdDetailView(ApiView):
    access_kind = Kind.HOUSEHOLD
    required_scopes = {"GET": Scope.HOUSEHOLDS_READ, "PATCH": Scope.HOUSEHOLDS_WRITE}  # DELETE: staff only
    parser_classes = [JSONParser]
    serializer_class = HouseholdSerializer
    queryset = Household.objects.none()  # for the schema only, as above

    @extend_schema(
        operation_id="households_retrieve",
        tags=TAGS,
        summary=_("Read a household"),
        description=_("One household with its members, documents, specific needs and routing."),
        parameters=[id_parameter("household")],
        responses=with_errors({200: HouseholdSerializer, 404: NOT_FOUND}, *READ_ERRORS),
    )
    def get(self, request, id):
        return Response(_household_answer(self, request, id))

    @extend_schema(
        operation_id="households_update",
        tags=TAGS,
        summary=_("Change a household's contact or destination"),
        description=_(
            "Change the phone number, the province or the district of destination; the household's history "
            "keeps the old values. Other fields cannot change (`read_only`). Answers the household."
        ),
        parameters=[id_parameter("household")],
        request=HouseholdUpdateSerializer,
        responses=with_errors({200: HouseholdSerializer, 404: NOT_FOUND}, *WRITE_ERRORS),
    )
    def patch(self, request, id):
        # Before anything is looked up: a key may not change, nor probe, what it cannot read.
        refuse_unreadable_writes(
            request,
            request.data,
            resource="household",
            writable=_field_names(HouseholdUpdateSerializer),
            touches=UPDATE_TOUCHES,
        )
        serializer = HouseholdUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        household = household_visible(user=request.user, public_id=id)
        household_update(household=household, updated_by=request.user, changes=serializer.validated_data)
        return Response(_household_answer(self, request, id))

    @extend_schema(
        operation_id="households_delete",
        tags=TAGS,
        summary=_("Withdraw a household registered in error"),
        description=_(
            "A manager withdraws a household registered in error, saying why in `note` (in the body or the "
            "query string). Nothing is deleted: the household, its cases, assistance and history are kept, and "
            "it no longer appears anywhere (reading it answers 404). Its open cases close. A household that "
            "received assistance needs a manager of an agency (not an administrator), a `note` of at least 30 "
            "characters and `assistance_confirmed`: true. Partners' mirrors learn of it from `deleted/`."
        ),
        parameters=[
            id_parameter("household"),
            OpenApiParameter("note", str, description=_("Why (or send it in the body).")),
            OpenApiParameter(
                "assistance_confirmed", bool, description=_("Confirm the withdrawal of an assisted household.")
            ),
        ],
        request=HouseholdRemovalSerializer,
        responses=with_errors({204: None, 404: NOT_FOUND}, *WRITE_ERRORS),
    )
    def delete(self, request, id):
        body = request.data if isinstance(request.data, dict) else {}
        serializer = HouseholdRemovalSerializer(
            data={
                "note": body.get("note") or request.query_params.get("note", ""),
                "assistance_confirmed": body.get(
                    "assistance_confirmed", request.query_params.get("assistance_confirmed", False)
                ),
            }
        )
        serializer.is_valid(raise_exception=True)
        household = household_visible(user=request.user, public_id=id)
        household_withdraw(
            household=household,
            withdrawn_by=request.user,
            reason=serializer.validated_data["note"],
            assistance_confirmed=serializer.validated_data["assistance_confirmed"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class HouseholdMergeView(ApiView):
    access_kind = Kind.HOUSEHOLD
    required_scopes: dict[str, str] = {}  # staff only
    parser_classes = [JSONParser]
    serializer_class = HouseholdSerializer
    queryset = Household.objects.none()

    def access_record_ids(self, response) -> list:
        # The duplicate (in the path), and the household that stays (the answer).
        return [self.kwargs["id"], *access_answer_ids(response)]

    @extend_schema(
        operation_id="households_merge",
        tags=TAGS,
        summary=_("Merge a duplicate registration"),
        description=_(
            "A manager folds this household (a duplicate) into the one that stays (`into`), saying why. "
            "The duplicate is withdrawn, pointing to the one that stays; nothing is deleted (both keep their "
            "history, cases and assistance). A duplicate that received assistance needs what a withdrawal "
            "needs (`assistance_confirmed`). The duplicate and its cases leave tombstones (`reason`: merged, "
            "`merged_into`). Answers the household that stays."
        ),
        parameters=[id_parameter("household"), IDEMPOTENCY_KEY],
        request=HouseholdMergeSerializer,
        responses=with_errors({200: HouseholdSerializer, 404: NOT_FOUND}, *POST_ERRORS),
    )
    @idempotent
    def post(self, request, id):
        serializer = HouseholdMergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        duplicate = household_visible(user=request.user, public_id=id)
        survivor = (
            Household.objects.visible_to(request.user).filter(public_id=serializer.validated_data["into"]).first()
        )
        if survivor is None:
            raise Refused.one("into", "does_not_exist", _("No such household, or not one you may see."))
        if survivor.pk == duplicate.pk:
            raise Refused.one("into", "same_household", _("A household cannot be merged into itself."))
        household_merge(
            duplicate=duplicate,
            survivor=survivor,
            merged_by=request.user,
            note=serializer.validated_data["note"],
            assistance_confirmed=serializer.validated_data["assistance_confirmed"],
        )
        return Response(_household_answer(self, request, survivor.public_id))


class DeletedRecordListView(ApiView):
    """Tombstones of one resource, oldest first (``resource``: a ``DeletedRecord.Resource``)."""

    access_kind = Kind.HOUSEHOLD

    resource = DeletedRecord.Resource.HOUSEHOLD
    required_scopes = {"GET": Scope.HOUSEHOLDS_READ}
    serializer_class = DeletedRecordSerializer
    pagination_class = DeletedRecordCursorPagination
    queryset = DeletedRecord.objects.none()  # for the schema only: reads go through the tombstone gate
    filter_backends = [DjangoFilterBackend]
    filterset_class = DeletedRecordFilter

    def get(self, request):
        filterset = deleted_record_filter(user=request.user, resource=self.resource, params=request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def deleted_list_schema(resource: str, tags: list[str]):
    operation = extend_schema(
        operation_id=f"{resource}s_deleted_list",
        tags=tags,
        summary=_("List %(resource)ss deleted or merged") % {"resource": resource},
        description=_(
            "Tombstones of the %(resource)ss of the agencies this user or key may see that were deleted, or "
            "merged into another, at or after `since`, oldest first: drop them from a mirror. Use the same "
            "watermark as for the list; keep the smaller of the two `X-Sync-Watermark` headers."
        )
        % {"resource": resource},
        parameters=[WATERMARK_PARAMETER],
        responses=with_errors({200: DeletedRecordSerializer(many=True), 400: INVALID_FILTER}, *READ_ERRORS),
    )
    return extend_schema_view(get=operation)


@deleted_list_schema("household", TAGS)
class HouseholdDeletedListView(DeletedRecordListView):
    pass
