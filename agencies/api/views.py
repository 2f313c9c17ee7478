"""The cases API: read cases and their history, move them along their workflow, record and approve
assistance, make and answer referrals.

Views are thin: parse with a serializer, call one service of ``agencies.services`` (the same the
pages call) or a selector that starts from a visibility gate, shape the answer. A case, assistance
or referral the user may not see is a 404, never a 403. Errors come out in the shape of
``returns.api.errors``; a service's ``Refused`` is a 400 with its paths, codes and messages.
"""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from agencies.api import selectors
from agencies.api.filters import ReferralFilter
from agencies.api.serializers import (
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
from agencies.filters import CaseFilter
from agencies.models import Assistance, Case, Referral
from agencies.selectors import case_filter
from agencies.services import (
    CaseChanged,
    allowed_transitions,
    assistance_decide,
    assistance_record,
    case_assign,
    case_transition,
    referral_answer,
    referral_make,
)
from returns.api.serializers import ErrorSerializer, ValidationErrorSerializer
from returns.api.views import NOT_AUTHENTICATED, ApiView
from returns.problems import Refused

CASES, ASSISTANCE, REFERRALS = ["cases"], ["assistance"], ["referrals"]
CASE_NOT_FOUND = OpenApiResponse(ErrorSerializer, description=_("No such case, or not one this user may see."))
INVALID = OpenApiResponse(ValidationErrorSerializer, description=_("Malformed or refused; nothing was saved."))


def _id_parameter(what: str) -> OpenApiParameter:
    return OpenApiParameter(
        "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("The %(what)s's `id` (a UUID).") % {"what": what}
    )


def _forbidden(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class CaseChangedConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "case_changed"
    default_detail = _("This case has changed since you opened it: reload it and try again.")


class CaseCursorPagination(CursorPagination):
    # Opening time never changes; the id breaks ties. (Not updated_at: a page would shift under the cursor.)
    ordering = ("-opened_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class ReferralCursorPagination(CaseCursorPagination):
    ordering = ("-created_at", "-id")


def _case_detail(*, user, public_id) -> dict:
    case = selectors.case_detail(user=user, public_id=public_id)
    allowed = allowed_transitions(case=case, actor=user)
    return CaseDetailSerializer(case, context={"allowed_transitions": allowed}).data


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


class CaseListView(ApiView):
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
            "The cases of this user's agency (an administrator: all; a coordinator: none), newest first. "
            "Read one case for the transitions the user may fire. Cursor pagination: follow `next`."
        ),
        responses={
            200: CaseSerializer(many=True),
            400: OpenApiResponse(ValidationErrorSerializer, description=_("An invalid filter value.")),
            401: NOT_AUTHENTICATED,
        },
    )
    def get(self, request):
        filterset = case_filter(user=request.user, params=request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(CaseSerializer(page, many=True).data)


class CaseDetailView(ApiView):
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
        responses={200: CaseDetailSerializer, 401: NOT_AUTHENTICATED, 404: CASE_NOT_FOUND},
    )
    def get(self, request, id):
        return Response(_case_detail(user=request.user, public_id=id))


class CaseEventListView(ApiView):
    serializer_class = CaseEventSerializer
    queryset = Case.objects.none()

    @extend_schema(
        operation_id="cases_events_list",
        tags=CASES,
        summary=_("Read a case's history"),
        description=_("Every event of the case (opened, stage changed, assigned, assistance...), oldest first."),
        parameters=[_id_parameter("case")],
        responses={200: CaseEventSerializer(many=True), 401: NOT_AUTHENTICATED, 404: CASE_NOT_FOUND},
    )
    def get(self, request, id):
        case = selectors.case_visible(user=request.user, public_id=id)
        return Response(CaseEventSerializer(selectors.case_events(case=case), many=True).data)


def _transition_paths(problems: dict) -> dict:
    """The form's fields are under ``inputs`` in the request: say so in the paths."""
    return {
        path if path == "transition" else "inputs" if path == "__all__" else f"inputs.{path}": found
        for path, found in problems.items()
    }


class CaseTransitionView(ApiView):
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
        parameters=[_id_parameter("case")],
        request=TransitionRequestSerializer,
        responses={
            200: CaseDetailSerializer,
            400: INVALID,
            401: NOT_AUTHENTICATED,
            403: _forbidden(_("This user's role may not fire this transition.")),
            404: CASE_NOT_FOUND,
            409: OpenApiResponse(ErrorSerializer, description=_("`case_changed`: the version is stale; reload.")),
        },
    )
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
        return Response(_case_detail(user=request.user, public_id=id))


class CaseAssignView(ApiView):
    parser_classes = [JSONParser]
    serializer_class = CaseAssignSerializer
    queryset = Case.objects.none()

    @extend_schema(
        operation_id="cases_assign",
        tags=CASES,
        summary=_("Assign cases"),
        description=_(
            "A manager assigns open cases of their agency to a colleague, or unassigns them (`assignee`: null). "
            "All or nothing: one closed or unknown case refuses the lot (`unknown_case`)."
        ),
        request=CaseAssignSerializer,
        responses={
            200: CaseAssignResultSerializer,
            400: INVALID,
            401: NOT_AUTHENTICATED,
            403: _forbidden(_("Only a manager assigns cases.")),
        },
    )
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
    parser_classes = [JSONParser]
    serializer_class = AssistanceSerializer
    queryset = Assistance.objects.none()

    @extend_schema(
        operation_id="cases_assistance_list",
        tags=ASSISTANCE,
        summary=_("List a case's assistance"),
        description=_("The assistance recorded on the case, by delivery date, with its approval."),
        parameters=[_id_parameter("case")],
        responses={200: AssistanceSerializer(many=True), 401: NOT_AUTHENTICATED, 404: CASE_NOT_FOUND},
    )
    def get(self, request, id):
        case = selectors.case_visible(user=request.user, public_id=id)
        return Response(AssistanceSerializer(selectors.case_assistance(case=case), many=True).data)

    @extend_schema(
        operation_id="cases_assistance_record",
        tags=ASSISTANCE,
        summary=_("Record assistance"),
        description=_(
            "Record assistance given to the household or one member. Cash waits for a second person's "
            "approval (`approval`: pending), a manager's above the agency's limit (`needs_manager_approval`). "
            "The repatriation grant's amount comes from the grant rates when `value` is left out."
        ),
        parameters=[_id_parameter("case")],
        request=AssistanceRecordSerializer,
        responses={
            201: AssistanceSerializer,
            400: INVALID,
            401: NOT_AUTHENTICATED,
            403: _forbidden(_("This user's role cannot record assistance.")),
            404: CASE_NOT_FOUND,
        },
    )
    def post(self, request, id):
        case = selectors.case_visible(user=request.user, public_id=id)
        serializer = AssistanceRecordSerializer(data=request.data, context={"case": case, "user": request.user})
        serializer.is_valid(raise_exception=True)
        assistance = assistance_record(case=case, recorded_by=request.user, **serializer.validated_data)
        return Response(
            AssistanceSerializer(selectors.assistance_one(pk=assistance.pk)).data, status=status.HTTP_201_CREATED
        )


class AssistanceDecisionView(ApiView):
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
        parameters=[_id_parameter("assistance")],
        request=AssistanceDecisionSerializer,
        responses={
            200: AssistanceSerializer,
            400: INVALID,
            401: NOT_AUTHENTICATED,
            403: _forbidden(_("This user's role cannot approve cash.")),
            404: OpenApiResponse(ErrorSerializer, description=_("No such assistance, or not on a visible case.")),
        },
    )
    def post(self, request, id):
        serializer = AssistanceDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assistance = selectors.assistance_visible(user=request.user, public_id=id)
        assistance_decide(assistance=assistance, decided_by=request.user, **serializer.validated_data)
        return Response(AssistanceSerializer(selectors.assistance_one(pk=assistance.pk)).data)


# ---------------------------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------------------------

REFERRAL_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description=_("No such referral, or not one made by or addressed to this user's agency.")
)


class ReferralListView(ApiView):
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
            "Referrals made by or addressed to this user's agency, newest first; `direction=received` is the "
            "inbox to answer. Cursor pagination: follow `next`."
        ),
        responses={
            200: ReferralSerializer(many=True),
            400: OpenApiResponse(ValidationErrorSerializer, description=_("An invalid filter value.")),
            401: NOT_AUTHENTICATED,
        },
    )
    def get(self, request):
        filterset = selectors.referral_filter(user=request.user, params=request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(ReferralSerializer(page, many=True).data)


class CaseReferralCreateView(ApiView):
    parser_classes = [JSONParser]
    serializer_class = ReferralMakeSerializer
    queryset = Referral.objects.none()

    @extend_schema(
        operation_id="cases_referrals_create",
        tags=REFERRALS,
        summary=_("Refer a case"),
        description=_("Refer the household (or one member) to another agency or a partner organisation."),
        parameters=[_id_parameter("case")],
        request=ReferralMakeSerializer,
        responses={
            201: ReferralSerializer,
            400: INVALID,
            401: NOT_AUTHENTICATED,
            403: _forbidden(_("This user's role cannot make referrals.")),
            404: CASE_NOT_FOUND,
        },
    )
    def post(self, request, id):
        case = selectors.case_visible(user=request.user, public_id=id)
        serializer = ReferralMakeSerializer(data=request.data, context={"case": case})
        serializer.is_valid(raise_exception=True)
        referral = referral_make(case=case, made_by=request.user, **serializer.validated_data)
        return Response(
            ReferralSerializer(selectors.referral_visible(user=request.user, public_id=referral.public_id)).data,
            status=status.HTTP_201_CREATED,
        )


class ReferralAnswerView(ApiView):
    parser_classes = [JSONParser]
    serializer_class = ReferralAnswerSerializer
    queryset = Referral.objects.none()

    @extend_schema(
        operation_id="referrals_answer",
        tags=REFERRALS,
        summary=_("Answer a referral"),
        description=_(
            "The agency the referral is addressed to accepts or declines it (saying why), then completes it. "
            "Accepting a referral to UNHCR or IOM opens that agency's case for the household."
        ),
        parameters=[_id_parameter("referral")],
        request=ReferralAnswerSerializer,
        responses={
            200: ReferralSerializer,
            400: INVALID,
            401: NOT_AUTHENTICATED,
            403: _forbidden(_("Only the agency the referral is addressed to answers it.")),
            404: REFERRAL_NOT_FOUND,
        },
    )
    def post(self, request, id):
        serializer = ReferralAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral = selectors.referral_visible(user=request.user, public_id=id)
        referral_answer(referral=referral, answered_by=request.user, **serializer.validated_data)
        return Response(ReferralSerializer(selectors.referral_visible(user=request.user, public_id=id)).data)
