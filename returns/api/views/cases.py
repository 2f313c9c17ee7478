"""The cases API: read cases and their history, move them along their workflow, record and approve
assistance, make and answer referrals.

Views are thin: parse with a serializer, call one service of ``returns.services.cases`` (the same the
pages call) or a selector that starts from a visibility gate, shape the answer. A case, assistance
or referral the user may not see is a 404, never a 403. Errors come out in the shape of
``agencies.api.errors``; a service's ``Refused`` is a 400 with its paths, codes and messages.
"""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.response import Response

from agencies.access_log import Kind
from agencies.api.access import api_key_of, shared_fields
from agencies.api.base import ApiView
from agencies.api.errors import ErrorSerializer, ValidationErrorSerializer
from agencies.api.idempotency import idempotent
from agencies.api.openapi import IDEMPOTENCY_KEY, INVALID_FILTER, POST_ERRORS, READ_ERRORS, with_errors
from agencies.api.openapi import id_parameter as _id_parameter
from agencies.api.pagination import WATERMARK_PARAMETER, SyncCursorPagination
from agencies.api.parsers import JSONParser
from agencies.models import Scope
from agencies.problems import Refused
from returns.api import selectors
from returns.api.filters import ReferralFilter
from returns.api.serializers.cases import (
    AssistanceDecisionSerializer,
    AssistanceRecordSerializer,
    AssistanceSerializer,
    CaseAssignResultSerializer,
    CaseAssignSerializer,
    CaseDetailSerializer,
    CaseEventSerializer,
    CaseSerializer,
    ReferralAnswerSerializer,
    ReferralMakeSerializer,
    ReferralSerializer,
    TransitionRequestSerializer,
)
from returns.api.views.households import DeletedRecordListView, deleted_list_schema
from returns.filters.cases import CaseFilter
from returns.models import Assistance, Case, DeletedRecord, Referral
from returns.selectors.cases import case_filter
from returns.services.cases import (
    CaseChanged,
    allowed_transitions,
    assistance_decide,
    assistance_record,
    case_assign,
    case_transition,
    referral_answer,
    referral_make,
)

CASES, ASSISTANCE, REFERRALS = ["cases"], ["assistance"], ["referrals"]
CASE_NOT_FOUND = OpenApiResponse(ErrorSerializer, description=_("No such case, or not one this user may see."))
INVALID = OpenApiResponse(ValidationErrorSerializer, description=_("Malformed or refused; nothing was saved."))


def _forbidden(description: str) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer,
        description=_("%(why)s An API key: only for staff, `insufficient_scope`.") % {"why": description},
    )


class CaseHistoryShared(permissions.BasePermission):
    """A partner's key reads a case's history and assistance only if its agreement shares ``case.events``."""

    message = _("Your data-sharing agreement does not share the history of cases.")
    code = "not_shared"

    def has_permission(self, request, view) -> bool:
        if api_key_of(request) is None or request.method not in permissions.SAFE_METHODS:
            return True
        return "events" in shared_fields(request, "case")


class CaseChangedConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "case_changed"
    default_detail = _("This case has changed since you opened it: reload it and try again.")


class CaseCursorPagination(SyncCursorPagination):
    # Opening time never changes; the id breaks ties. (Not updated_at: a page would shift under the
    # cursor.) With updated_since: oldest change first, (updated_at, id), for incremental sync.
    ordering = ("-opened_at", "-id")


class ReferralCursorPagination(SyncCursorPagination):
    ordering = ("-created_at", "-id")


def _case_detail(*, request, public_id) -> dict:
    user = request.user
    case = selectors.case_detail(user=user, public_id=public_id)
    allowed = allowed_transitions(case=case, actor=user)
    return CaseDetailSerializer(case, context={"allowed_transitions": allowed, "request": request}).data


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


class CaseListView(ApiView):
    access_kind = Kind.CASE
    required_scopes = {"GET": Scope.CASES_READ}
    serializer_class = CaseSerializer
    pagination_class = CaseCursorPagination
    # For the schema (model, filter parameters) only: reads go through ``case_filter``, behind the gate.
    queryset = Case.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter

    @extend_schema(
        operation_id="cases_list",
        tags=CASES,
        summary=_("List cases"),
        description=_(
            "The cases of this user's agency (an administrator: all; a coordinator: none; a partner's key: "
            "those of the agencies its data-sharing agreement covers, with the fields it shares), newest first. "
            "Read one case for the transitions the user may fire. Cursor pagination: follow `next`.\n\n"
            "Incremental sync: with `updated_since`, oldest change first; keep the `X-Sync-Watermark` header "
            "for the next run and read `deleted/` for what disappeared."
        ),
        parameters=[WATERMARK_PARAMETER],
        responses=with_errors({200: CaseSerializer(many=True), 400: INVALID_FILTER}, *READ_ERRORS),
    )
    def get(self, request):
        filterset = case_filter(user=request.user, params=request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CaseDetailView(ApiView):
    access_kind = Kind.CASE
    required_scopes = {"GET": Scope.CASES_READ}
    serializer_class = CaseDetailSerializer
    queryset = Case.objects.none()

    @extend_schema(
        operation_id="cases_retrieve",
        tags=CASES,
        summary=_("Read a case"),
        description=_(
            "One case with the transitions this user may fire from its stage now, each with the inputs "
            "its form needs (names, types, choices, required). Guards are checked when one is fired."
        ),
        parameters=[_id_parameter("case")],
        responses=with_errors({200: CaseDetailSerializer, 404: CASE_NOT_FOUND}, *READ_ERRORS),
    )
    def get(self, request, id):
        return Response(_case_detail(request=request, public_id=id))


class CaseEventListView(ApiView):
    access_kind = Kind.CASE
    required_scopes = {"GET": Scope.CASES_READ}
    extra_permissions = (CaseHistoryShared,)
    serializer_class = CaseEventSerializer
    queryset = Case.objects.none()

    @extend_schema(
        operation_id="cases_events_list",
        tags=CASES,
        summary=_("Read a case's history"),
        description=_("Every event of the case (opened, stage changed, assigned, assistance...), oldest first."),
        parameters=[_id_parameter("case")],
        responses=with_errors({200: CaseEventSerializer(many=True), 404: CASE_NOT_FOUND}, *READ_ERRORS),
    )
    def get(self, request, id):
        case = selectors.case_visible(user=request.user, public_id=id)
        return Response(self.get_serializer(selectors.case_events(case=case), many=True).data)


def _transition_paths(problems: dict) -> dict:
    """The form's fields are under ``inputs`` in the request: say so in the paths."""
    return {
        path if path == "transition" else "inputs" if path == "__all__" else f"inputs.{path}": found
        for path, found in problems.items()
    }


class CaseTransitionView(ApiView):
    access_kind = Kind.CASE
    required_scopes: dict[str, str] = {}  # staff only
    parser_classes = [JSONParser]
    serializer_class = TransitionRequestSerializer
    queryset = Case.objects.none()

    @extend_schema(
        operation_id="cases_transition",
        tags=CASES,
        summary=_("Move a case along its workflow"),
        description=_(
            "Fire one of the case's `allowed_transitions` with the `version` last read and the transition's "
            "`inputs`. Answers the updated case. A 400 lists what is missing or why the transition may not "
            "happen now (code `guard` under `transition`, form problems under `inputs.<name>`); a 409 "
            "(`case_changed`) means the case changed since it was read. Nothing is changed on an error."
        ),
        parameters=[_id_parameter("case"), IDEMPOTENCY_KEY],
        request=TransitionRequestSerializer,
        responses=with_errors(
            {
                200: CaseDetailSerializer,
                400: INVALID,
                403: _forbidden(_("This user's role may not fire this transition.")),
                404: CASE_NOT_FOUND,
                409: OpenApiResponse(ErrorSerializer, description=_("`case_changed`: the version is stale; reload.")),
            },
            *POST_ERRORS,
        ),
    )
    @idempotent
    def post(self, request, id):
        serializer = TransitionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = selectors.case_visible(user=request.user, public_id=id)
        try:
            case_transition(
                case=case,
                transition_code=serializer.validated_data["transition"],
                actor=request.user,
                data=serializer.validated_data["inputs"],
                expected_version=serializer.validated_data["version"],
            )
        except CaseChanged as changed:
            raise CaseChangedConflict(str(changed)) from None
        except Refused as refused:
            raise Refused(_transition_paths(refused.problems)) from None
        return Response(_case_detail(request=request, public_id=id))


class CaseAssignView(ApiView):
    access_kind = Kind.CASE
    required_scopes: dict[str, str] = {}  # staff only
    parser_classes = [JSONParser]
    serializer_class = CaseAssignSerializer

    def access_record_ids(self, response) -> list:
        return list(self.request.data["cases"])

    queryset = Case.objects.none()

    @extend_schema(
        operation_id="cases_assign",
        tags=CASES,
        summary=_("Assign cases"),
        description=_(
            "A manager assigns open cases of their agency to a colleague, or unassigns them (`assignee`: null). "
            "All or nothing: one closed or unknown case refuses the lot (`unknown_case`)."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=CaseAssignSerializer,
        responses=with_errors(
            {200: CaseAssignResultSerializer, 400: INVALID, 403: _forbidden(_("Only a manager assigns cases."))},
            *POST_ERRORS,
        ),
    )
    @idempotent
    def post(self, request):
        serializer = CaseAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changed = case_assign(
            case_ids=selectors.case_pks(user=request.user, public_ids=serializer.validated_data["cases"]),
            assignee=serializer.validated_data["assignee"],
            assigned_by=request.user,
        )
        return Response({"changed": changed})


# ---------------------------------------------------------------------------------------------
# Assistance
# ---------------------------------------------------------------------------------------------


class CaseAssistanceView(ApiView):
    access_kind = Kind.CASE
    required_scopes = {"GET": Scope.CASES_READ}  # recording assistance: staff only
    extra_permissions = (CaseHistoryShared,)
    parser_classes = [JSONParser]
    serializer_class = AssistanceSerializer
    queryset = Assistance.objects.none()

    @extend_schema(
        operation_id="cases_assistance_list",
        tags=ASSISTANCE,
        summary=_("List a case's assistance"),
        description=_("The assistance recorded on the case, by delivery date, with its approval."),
        parameters=[_id_parameter("case")],
        responses=with_errors({200: AssistanceSerializer(many=True), 404: CASE_NOT_FOUND}, *READ_ERRORS),
    )
    def get(self, request, id):
        case = selectors.case_visible(user=request.user, public_id=id)
        return Response(self.get_serializer(selectors.case_assistance(case=case), many=True).data)

    @extend_schema(
        operation_id="cases_assistance_record",
        tags=ASSISTANCE,
        summary=_("Record assistance"),
        description=_(
            "Record assistance given to the household or one member. Cash waits for a second person's "
            "approval (`approval`: pending), a manager's above the agency's limit (`needs_manager_approval`). "
            "The repatriation grant's amount comes from the grant rates when `value` is left out. "
            "Assistance given once per person is refused (400, `already_granted`) when someone it pays, or a "
            "likely duplicate, had it already from either agency; a manager overrides with "
            "`override_justification`."
        ),
        parameters=[_id_parameter("case"), IDEMPOTENCY_KEY],
        request=AssistanceRecordSerializer,
        responses=with_errors(
            {
                201: AssistanceSerializer,
                400: INVALID,
                403: _forbidden(_("This user's role cannot record assistance.")),
                404: CASE_NOT_FOUND,
            },
            *POST_ERRORS,
        ),
    )
    @idempotent
    def post(self, request, id):
        case = selectors.case_visible(user=request.user, public_id=id)
        serializer = AssistanceRecordSerializer(data=request.data, context={"case": case, "user": request.user})
        serializer.is_valid(raise_exception=True)
        assistance = assistance_record(case=case, recorded_by=request.user, **serializer.validated_data)
        return Response(
            self.get_serializer(selectors.assistance_one(pk=assistance.pk)).data, status=status.HTTP_201_CREATED
        )


class AssistanceDecisionView(ApiView):
    access_kind = Kind.ASSISTANCE
    required_scopes: dict[str, str] = {}  # staff only
    parser_classes = [JSONParser]
    serializer_class = AssistanceDecisionSerializer
    queryset = Assistance.objects.none()

    @extend_schema(
        operation_id="assistance_decide",
        tags=ASSISTANCE,
        summary=_("Approve or reject cash"),
        description=_(
            "A second person approves or rejects cash waiting for approval. Refused (400) when the user "
            "recorded it (`self_approval`), when it is above the limit and the user is not a manager "
            "(`manager_required`), when it is not pending (`not_pending`), or on a rejection without a note."
        ),
        parameters=[_id_parameter("assistance"), IDEMPOTENCY_KEY],
        request=AssistanceDecisionSerializer,
        responses=with_errors(
            {
                200: AssistanceSerializer,
                400: INVALID,
                403: _forbidden(_("This user's role cannot approve cash.")),
                404: OpenApiResponse(ErrorSerializer, description=_("No such assistance, or not on a visible case.")),
            },
            *POST_ERRORS,
        ),
    )
    @idempotent
    def post(self, request, id):
        serializer = AssistanceDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assistance = selectors.assistance_visible(user=request.user, public_id=id)
        assistance_decide(assistance=assistance, decided_by=request.user, **serializer.validated_data)
        return Response(
            AssistanceSerializer(selectors.assistance_one(pk=assistance.pk), context={"request": request}).data
        )


# ---------------------------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------------------------

REFERRAL_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description=_("No such referral, or not one made by or addressed to this user's agency.")
)


class ReferralListView(ApiView):
    access_kind = Kind.REFERRAL
    required_scopes = {"GET": Scope.REFERRALS_WRITE}
    serializer_class = ReferralSerializer
    pagination_class = ReferralCursorPagination
    queryset = Referral.objects.none()  # for the schema only: reads go through the referral gate
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReferralFilter

    @extend_schema(
        operation_id="referrals_list",
        tags=REFERRALS,
        summary=_("List referrals"),
        description=_(
            "Referrals made by or addressed to this user's agency (a partner's key: those addressed to the "
            "partner), newest first; `direction=received` is the inbox to answer. Cursor pagination: follow "
            "`next`. With `updated_since`: oldest change first, with the `X-Sync-Watermark` header."
        ),
        parameters=[WATERMARK_PARAMETER],
        responses=with_errors({200: ReferralSerializer(many=True), 400: INVALID_FILTER}, *READ_ERRORS),
    )
    def get(self, request):
        filterset = selectors.referral_filter(user=request.user, params=request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CaseReferralCreateView(ApiView):
    access_kind = Kind.CASE
    required_scopes: dict[str, str] = {}  # staff only
    parser_classes = [JSONParser]
    serializer_class = ReferralMakeSerializer
    queryset = Referral.objects.none()

    @extend_schema(
        operation_id="cases_referrals_create",
        tags=REFERRALS,
        summary=_("Refer a case"),
        description=_("Refer the household (or one member) to another agency or a partner organisation."),
        parameters=[_id_parameter("case"), IDEMPOTENCY_KEY],
        request=ReferralMakeSerializer,
        responses=with_errors(
            {
                201: ReferralSerializer,
                400: INVALID,
                403: _forbidden(_("This user's role cannot make referrals.")),
                404: CASE_NOT_FOUND,
            },
            *POST_ERRORS,
        ),
    )
    @idempotent
    def post(self, request, id):
        case = selectors.case_visible(user=request.user, public_id=id)
        serializer = ReferralMakeSerializer(data=request.data, context={"case": case})
        serializer.is_valid(raise_exception=True)
        referral = referral_make(case=case, made_by=request.user, **serializer.validated_data)
        return Response(
            ReferralSerializer(
                selectors.referral_visible(user=request.user, public_id=referral.public_id),
                context={"request": request},
            ).data,
            status=status.HTTP_201_CREATED,
        )


class ReferralAnswerView(ApiView):
    access_kind = Kind.REFERRAL
    required_scopes = {"POST": Scope.REFERRALS_WRITE}
    parser_classes = [JSONParser]
    serializer_class = ReferralAnswerSerializer
    queryset = Referral.objects.none()

    @extend_schema(
        operation_id="referrals_answer",
        tags=REFERRALS,
        summary=_("Answer a referral"),
        description=_(
            "The agency the referral is addressed to accepts or declines it (saying why), then completes it; a "
            "partner answers with a key holding `referrals:write`. Accepting a referral to UNHCR or IOM opens "
            "that agency's case for the household."
        ),
        parameters=[_id_parameter("referral"), IDEMPOTENCY_KEY],
        request=ReferralAnswerSerializer,
        responses=with_errors(
            {
                200: ReferralSerializer,
                400: INVALID,
                403: OpenApiResponse(
                    ErrorSerializer,
                    description=_("Only the agency or partner the referral is addressed to answers it."),
                ),
                404: REFERRAL_NOT_FOUND,
            },
            *POST_ERRORS,
        ),
    )
    @idempotent
    def post(self, request, id):
        serializer = ReferralAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral = selectors.referral_visible(user=request.user, public_id=id)
        referral_answer(referral=referral, answered_by=request.user, **serializer.validated_data)
        referral = selectors.referral_visible(user=request.user, public_id=id)
        return Response(ReferralSerializer(referral, context={"request": request}).data)


# ---------------------------------------------------------------------------------------------
# Tombstones
# ---------------------------------------------------------------------------------------------


@deleted_list_schema("case", CASES)
class CaseDeletedListView(DeletedRecordListView):
    access_kind = Kind.CASE
    resource = DeletedRecord.Resource.CASE
    required_scopes = {"GET": Scope.CASES_READ}
