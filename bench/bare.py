"""The reference point: a plain DRF nested create of the same payload, with no routing and no checks.

Written as the DRF documentation writes writable nested serializers: ``ModelSerializer`` with
related fields resolved by the database, one ``create()`` per row, in one transaction, answering
with the created household and its members. It stores the same rows as ``household_register``
except the registration event; routing is a constant (IOM, undocumented).
"""

from django.db import connection, transaction
from rest_framework import generics, serializers

from agencies.models import Agency, Office
from returns.models import Household, Member, MemberDocument, NeedCode
from returns.services.households import REGISTRATION_NUMBER_SEQUENCE


class BareDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = MemberDocument
        fields = ["document_type", "number", "issuing_country", "expiry_date"]


class BareMemberSerializer(serializers.ModelSerializer):
    documents = BareDocumentSerializer(many=True, required=False)
    specific_needs = serializers.SlugRelatedField(
        many=True, slug_field="code", queryset=NeedCode.objects.filter(scheme="unhcr_snc"), required=False
    )

    class Meta:
        model = Member
        fields = [
            "given_name",
            "fathers_name",
            "family_name",
            "given_name_local",
            "fathers_name_local",
            "family_name_local",
            "sex",
            "date_of_birth",
            "estimated_age",
            "relationship",
            "documents",
            "specific_needs",
        ]


class BareHouseholdSerializer(serializers.ModelSerializer):
    office = serializers.SlugRelatedField(slug_field="code", queryset=Office.objects.all())
    members = BareMemberSerializer(many=True)

    class Meta:
        model = Household
        fields = [
            "public_id",
            "registration_number",
            "arrival_date",
            "office",
            "country_of_departure",
            "return_type",
            "destination_province",
            "destination_district",
            "phone",
            "members",
        ]
        read_only_fields = ["public_id", "registration_number"]

    @transaction.atomic
    def create(self, validated_data):
        members = validated_data.pop("members")
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [REGISTRATION_NUMBER_SEQUENCE])
            (serial,) = cursor.fetchone()
        household = Household.objects.create(
            registration_number=f"{validated_data['office'].code}-2026-{serial:06d}",
            registered_by=self.context["request"].user,
            routed_agency=Agency.objects.get(code="IOM"),
            category="undocumented",
            routing_reason="bare",
            member_count=len(members),
            **validated_data,
        )
        for member_data in members:
            documents = member_data.pop("documents", [])
            needs = member_data.pop("specific_needs", [])
            member = Member.objects.create(household=household, **member_data)
            for document in documents:
                MemberDocument.objects.create(member=member, **document)
            if needs:
                member.specific_needs.set(needs)
        return household


class BareHouseholdCreateView(generics.CreateAPIView):
    serializer_class = BareHouseholdSerializer
    queryset = Household.objects.none()
