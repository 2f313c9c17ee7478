"""``POST /api/v1/duplicates/candidates/``: is this person already registered, in either agency?"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from agencies.access_log import Kind
from agencies.api.base import ApiView
from agencies.api.openapi import POST_ERRORS, with_errors
from agencies.api.parsers import JSONParser
from returns import policy
from returns.api.serializers.matching import CandidatesSerializer, PersonSoughtSerializer
from returns.matching import PersonSought, person_candidates
from returns.registration import candidate_ref

DUPLICATES = ["duplicates"]


class PersonCandidatesView(ApiView):
    access_kind = Kind.HOUSEHOLD
    required_scopes: dict[str, str] = {}  # staff only
    parser_classes = [JSONParser]
    serializer_class = PersonSoughtSerializer

    @extend_schema(
        operation_id="duplicates_candidates",
        tags=DUPLICATES,
        summary=_("Find who this person may already be"),
        description=_(
            "The people already registered, by either agency, who may be this person: up to 10, best first, "
            "each with a score from 0 to 1 and the reasons in words. The names are compared in both scripts and "
            "with their usual spellings; a document number held by someone else is nearly decisive. A "
            "candidate of a household you may see comes with its household and names; any other only says "
            "which agency registered it and when. Each candidate's `ref` names it, for you only and for four "
            "hours: send it back with the registration, as the member's `same_person_as` (the same person) or "
            "in `new_person.candidates_seen` (a new person, after seeing these)."
        ),
        request=PersonSoughtSerializer,
        responses=with_errors({200: CandidatesSerializer}, *POST_ERRORS),
    )
    def post(self, request):
        policy.require_register(request.user)
        serializer = PersonSoughtSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sought = PersonSought(**{**data, "document_numbers": tuple(data["document_numbers"])})
        today = timezone.localdate()
        candidates = person_candidates(sought, user=request.user)
        answer = [
            {
                "ref": candidate_ref(member_id=candidate.member.pk, score=candidate.score, user=request.user),
                "score": candidate.score,
                "reasons": candidate.reasons,
                "agency": candidate.household.routed_agency.code,
                "registered_on": timezone.localtime(candidate.household.created_at).date(),
                "household": {
                    "id": candidate.household.public_id,
                    "registration_number": candidate.household.registration_number,
                }
                if candidate.visible
                else None,
                "person": {
                    "id": candidate.member.public_id,
                    "given_name": candidate.member.given_name,
                    "fathers_name": candidate.member.fathers_name,
                    "family_name": candidate.member.family_name,
                    "sex": candidate.member.sex,
                    "age": candidate.member.age_on(today),
                }
                if candidate.visible
                else None,
            }
            for candidate in candidates
        ]
        return Response(CandidatesSerializer({"candidates": answer}).data)

    def access_record_ids(self, response) -> list:
        # The households the answer shows (the others are named by their agency only).
        return [item["household"]["id"] for item in response.data["candidates"] if item["household"]]
