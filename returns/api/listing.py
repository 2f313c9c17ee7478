"""The households list answer, built from rows: the same JSON as ``HouseholdSerializer``, faster.

A page of 100 households carries about 530 members, 145 documents and 35 specific needs. Built as
model instances (prefetch) and serialized field by field by DRF, a page took about 95 ms of server
time on the million-people benchmark; a partner mirroring the registry waits for that on every
page. Here the page is read as rows (``values``), then the members, documents and needs in one
plain query each, and the dicts are built directly: the same keys in the same order, the same
values, in about a fifth of the time (``make bench``, part "partner").

The serializer stays the one description of the answer: the keys come from its fields, after
minimisation (``MinimisedFieldsMixin``), so a partner gets exactly the fields its agreement
shares. ``HouseholdListing.of`` gives None, and the view falls back to the serializer, whenever
a field is not one this module knows with the same class and source: a field added or changed
in the serializer can never be answered wrongly here, only more slowly until it is added.
``tests/api/test_household_listing.py`` compares both answers.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable
from functools import cached_property

from django.db import connection, models
from django.utils import timezone
from rest_framework import serializers

from agencies.api.access import agreement_field_names
from agencies.api.fields import CalendarDateField
from returns.models import Member, MemberDocument, NeedCode


def _columns(model, names) -> str:
    """``model``'s columns for ``names`` (fields or their ``*_id``), UUIDs as text (the form ``str(UUID)``
    gives), for the SQL of the members, documents and needs below."""
    quote = connection.ops.quote_name
    parts = []
    for name in names:
        field = model._meta.get_field(name)
        column = quote(field.column)
        parts.append(f"{column}::text" if isinstance(field, models.UUIDField) else column)
    return ", ".join(parts)


# Most members have no document and no specific need: one shared empty tuple (rendered as []) for
# them all spares the garbage collector ~900 new lists a page.
EMPTY = ()

# The SQL below holds identifiers only, from the models' metadata; the ids are its one parameter.


def _members_sql(columns: list[str]) -> str:
    """(id, household_id, *columns) of the members of the households ``= ANY(%s)``, by id."""
    quote = connection.ops.quote_name
    return (
        f"SELECT {_columns(Member, ['id', 'household', *columns])} FROM {quote(Member._meta.db_table)} "  # noqa: S608
        f"WHERE {quote(Member._meta.get_field('household').column)} = ANY(%s) ORDER BY {quote('id')}"
    )


def _documents_sql(columns: list[str]) -> str:
    """(member_id, *columns) of the documents of the members ``= ANY(%s)``, by id."""
    quote = connection.ops.quote_name
    return (
        f"SELECT {_columns(MemberDocument, ['member', *columns])} "  # noqa: S608
        f"FROM {quote(MemberDocument._meta.db_table)} "
        f"WHERE {quote(MemberDocument._meta.get_field('member').column)} = ANY(%s) ORDER BY {quote('id')}"
    )


def _needs_sql() -> str:
    """(member_id, code) of the specific needs of the members ``= ANY(%s)``, in the codes' own order
    (scheme, code) as the prefetch of ``specific_needs`` gives them."""
    quote = connection.ops.quote_name
    through = Member.specific_needs.through
    member = quote(through._meta.get_field("member").column)
    need = quote(through._meta.get_field("needcode").column)
    return (
        f"SELECT s.{member}, n.{quote('code')} FROM {quote(through._meta.db_table)} s "  # noqa: S608
        f"JOIN {quote(NeedCode._meta.db_table)} n ON n.{quote('id')} = s.{need} "
        f"WHERE s.{member} = ANY(%s) ORDER BY n.{quote('scheme')}, n.{quote('code')}"
    )


def _uuid(value) -> str:
    return str(value)


def _date(value) -> str:
    return value.isoformat()


# The serializer's fields this module builds: {name: (field class, source, column, conversion)}.
# A conversion of None keeps the database's value as it is (str and int values, as DRF gives them;
# the choice fields' values are their own keys). None values stay None, as in DRF.
HOUSEHOLD_FIELDS: dict[str, tuple[type, str, str, Callable | None]] = {
    "id": (serializers.UUIDField, "public_id", "public_id", _uuid),
    "registration_number": (serializers.CharField, "registration_number", "registration_number", None),
    "arrival_date": (CalendarDateField, "arrival_date", "arrival_date", _date),
    "office": (serializers.CharField, "office.code", "office__code", None),
    "country_of_departure": (
        serializers.CharField,
        "country_of_departure_id",
        "country_of_departure_id",
        None,
    ),
    "return_type": (serializers.CharField, "return_type_id", "return_type_id", None),
    "destination_province": (serializers.CharField, "destination_province_id", "destination_province_id", None),
    "destination_district": (serializers.CharField, "destination_district_id", "destination_district_id", None),
    "phone": (serializers.CharField, "phone", "phone", None),
    "agency": (serializers.CharField, "routed_agency.code", "routed_agency__code", None),
    "category": (serializers.ChoiceField, "category", "category", None),
    "created_at": (serializers.DateTimeField, "created_at", "created_at", "datetime"),
    "updated_at": (serializers.DateTimeField, "updated_at", "updated_at", "datetime"),
}
ROUTING_FIELDS: dict[str, tuple[type, str, str, Callable | None]] = {
    "rule": (serializers.CharField, "routing_rule.code", "routing_rule__code", None),
    "version": (serializers.IntegerField, "routing_version", "routing_version", None),
    "reason": (serializers.CharField, "routing_reason", "routing_reason", None),
    "flags": (serializers.ListField, "flags", "flags", list),
    "facts": (serializers.JSONField, "routing_facts", "routing_facts", None),
    "family": (serializers.UUIDField, "family.public_id", "family__public_id", _uuid),
}
MEMBER_FIELDS: dict[str, tuple[type, str, str, Callable | None]] = {
    # As text from the database (see _columns): ~530 a page.
    "id": (serializers.UUIDField, "public_id", "public_id", None),
    "given_name": (serializers.CharField, "given_name", "given_name", None),
    "fathers_name": (serializers.CharField, "fathers_name", "fathers_name", None),
    "family_name": (serializers.CharField, "family_name", "family_name", None),
    "given_name_local": (serializers.CharField, "given_name_local", "given_name_local", None),
    "fathers_name_local": (serializers.CharField, "fathers_name_local", "fathers_name_local", None),
    "family_name_local": (serializers.CharField, "family_name_local", "family_name_local", None),
    "sex": (serializers.ChoiceField, "sex", "sex", None),
    "date_of_birth": (CalendarDateField, "date_of_birth", "date_of_birth", _date),
    "estimated_age": (serializers.IntegerField, "estimated_age", "estimated_age", None),
    "relationship": (serializers.ChoiceField, "relationship", "relationship", None),
}
DOCUMENT_FIELDS: dict[str, tuple[type, str, str, Callable | None]] = {
    "document_type": (serializers.CharField, "document_type_id", "document_type_id", None),
    "number": (serializers.CharField, "number", "number", None),
    "issuing_country": (serializers.CharField, "issuing_country_id", "issuing_country_id", None),
    "expiry_date": (CalendarDateField, "expiry_date", "expiry_date", _date),
}
# The nested fields, by the serializer class that renders them (checked by name, see _nested).
NESTED = {
    "routing": "RoutingSerializer",
    "members": "MemberSerializer",
    "documents": "DocumentSerializer",
    "specific_needs": "NeedCodesField",
}


def _known(field, spec) -> bool:
    """Whether ``field`` is the field ``spec`` describes (same class, same source, default format)."""
    field_class, source = spec[0], spec[1]
    if type(field) is not field_class or field.source != source:
        return False
    if field_class is serializers.ListField:
        return type(field.child) is serializers.CharField
    if field_class in (CalendarDateField, serializers.DateTimeField):
        return not hasattr(field, "format") and not hasattr(field, "timezone")
    return field_class is not serializers.UUIDField or field.uuid_format == "hex_verbose"


def _nested(field, name: str, *, many: bool, source: str) -> serializers.Serializer | None:
    serializer = field.child if many and isinstance(field, serializers.ListSerializer) else field
    if many and not isinstance(field, serializers.ListSerializer):
        return None
    if type(serializer).__name__ != NESTED[name] or field.source != source:
        return None
    return serializer


def _attribute(instance, column: str, conversion, zone):
    """The value ``column`` names (``office__code``: the office's code) on an instance, as the answer gives it."""
    value = instance
    for name in column.split("__"):
        value = getattr(value, name)
        if value is None:
            return None
    if isinstance(value, uuid.UUID):  # the members' and documents' come from the database as text
        return str(value)
    if conversion is None:
        return value
    if conversion == "datetime":
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return conversion(value)


# HouseholdListing.for_request's, by (serializer class, the agreement's fields or None for staff).
_BUILT: dict = {}


class HouseholdListing:
    """What to read and how to shape it, for one request's ``HouseholdSerializer(many=True)``."""

    def __init__(self, household_keys, routing_keys, member_keys, document_keys, needs: bool):
        self.household_keys = household_keys  # [(key, column, conversion)] in the answer's order
        self.routing_keys = routing_keys  # None: no "routing" in the answer
        self.member_keys = member_keys  # None: no "members"
        self.document_keys = document_keys  # None: no "documents" in a member
        self.needs = needs  # "specific_needs" in a member
        self.order = []  # the answer's keys, in order: a household key or "routing"/"members"

    @classmethod
    def of(cls, list_serializer) -> "HouseholdListing | None":
        """The listing for ``list_serializer`` (a ``HouseholdSerializer(many=True)`` with the
        request in its context), or None when one of its fields is not one this module builds."""
        fields = list_serializer.child.fields  # minimised for a partner's key
        listing = cls([], None, None, None, False)
        for name, field in fields.items():
            if name == "routing":
                routing = _nested(field, name, many=False, source="*")
                listing.routing_keys = cls._keys(routing.fields, ROUTING_FIELDS) if routing is not None else None
                if listing.routing_keys is None:
                    return None
            elif name == "members":
                member = _nested(field, name, many=True, source="members")
                if member is None or not listing._members(member):
                    return None
            elif name in HOUSEHOLD_FIELDS and _known(field, HOUSEHOLD_FIELDS[name]):
                listing.household_keys.append((name, HOUSEHOLD_FIELDS[name][2], HOUSEHOLD_FIELDS[name][3]))
            else:
                return None
            listing.order.append(name)
        return listing

    @classmethod
    def for_request(cls, serializer_class, request) -> "HouseholdListing | None":
        """``of`` for ``serializer_class(many=True)`` as ``request`` receives it, built once per process
        and data-sharing agreement: building a serializer's fields copies every one of them, nested
        members included, which one registration's answer would otherwise pay each time."""
        key = (serializer_class, agreement_field_names(request))
        if key not in _BUILT:
            _BUILT[key] = cls.of(serializer_class(many=True, context={"request": request}))
        return _BUILT[key]

    @staticmethod
    def _keys(fields, specs) -> list | None:
        keys = []
        for name, field in fields.items():
            if name not in specs or not _known(field, specs[name]):
                return None
            keys.append((name, specs[name][2], specs[name][3]))
        return keys

    def _members(self, member) -> bool:
        plain = {}
        self.member_order = []
        for name, field in member.fields.items():
            if name == "documents":
                document = _nested(field, name, many=True, source="documents")
                self.document_keys = self._keys(document.fields, DOCUMENT_FIELDS) if document is not None else None
                if self.document_keys is None:
                    return False
            elif name == "specific_needs":
                if type(field).__name__ != NESTED[name] or field.source != "specific_needs":
                    return False
                self.needs = True
            elif name in MEMBER_FIELDS:
                plain[name] = field
            else:
                return False
            self.member_order.append(name)
        self.member_keys = self._keys(plain, MEMBER_FIELDS)
        return self.member_keys is not None

    # ----------------------------------------------------------------------------------------

    def rows(self, queryset):
        """The households as rows of the columns the answer needs, for the paginator: it reads
        the ordering's columns (created_at or updated_at, id) from them too."""
        columns = {"id", "created_at", "updated_at"}
        columns.update(column for _name, column, _convert in self.household_keys)
        if self.routing_keys is not None:
            columns.update(column for _name, column, _convert in self.routing_keys)
        return queryset.values(*sorted(columns))

    def data(self, households: list[dict]) -> list[dict]:
        """The answer for a page of ``rows``: what ``HouseholdSerializer(page, many=True).data`` gives."""
        zone = timezone.get_current_timezone()

        def convert(value, conversion):
            if value is None or conversion is None:
                return value
            if conversion == "datetime":
                text = value.astimezone(zone).isoformat()
                return text[:-6] + "Z" if text.endswith("+00:00") else text
            return conversion(value)

        members = {}
        if self.member_keys is not None and households:
            members = self._members_of([household["id"] for household in households])
        answer = []
        for household in households:
            plain = {name: convert(household[column], conversion) for name, column, conversion in self.household_keys}
            item = {}
            for name in self.order:
                if name == "routing":
                    item[name] = {
                        key: convert(household[column], conversion) for key, column, conversion in self.routing_keys
                    }
                elif name == "members":
                    item[name] = members.get(household["id"], [])
                else:
                    item[name] = plain[name]
            answer.append(item)
        return answer

    def item(self, household) -> dict:
        """The answer for one household instance whose related rows are attached (as ``households_register``
        hands back what it wrote, ``_attach_written_rows``): what ``HouseholdSerializer(household).data``
        gives, without a query."""
        zone = timezone.get_current_timezone()
        answer = {}
        for name in self.order:
            if name == "routing":
                answer[name] = {
                    key: _attribute(household, column, conversion, zone)
                    for key, column, conversion in self.routing_keys
                }
            elif name == "members":
                answer[name] = [self._member_item(member, zone) for member in household.members.all()]
            else:
                answer[name] = _attribute(household, *self._plain[0][name], zone)
        return answer

    def _member_item(self, member, zone) -> dict:
        item = {}
        for name in self.member_order:
            if name == "documents":
                item[name] = [
                    {
                        key: _attribute(document, column, conversion, zone)
                        for key, column, conversion in self.document_keys
                    }
                    for document in member.documents.all()
                ]
            elif name == "specific_needs":
                item[name] = [need.code for need in member.specific_needs.all()]
            else:
                item[name] = _attribute(member, *self._plain[1][name], zone)
        return item

    @cached_property
    def _plain(self) -> tuple[dict, dict]:
        """{name: (column, conversion)} of the household's plain keys, and of a member's."""
        household, member = (
            {name: (column, conversion) for name, column, conversion in keys or ()}
            for keys in (self.household_keys, self.member_keys)
        )
        return household, member

    def _members_of(self, household_ids: list[int]) -> dict[int, list[dict]]:
        # Plain SQL, the ids as one array parameter: the ORM's ``__in`` prepares each of a page's
        # ~530 member ids one by one, and compiling three querysets costs more than running them
        # (about 1.5 ms a page together). Each query is one index lookup.
        with connection.cursor() as cursor:
            cursor.execute(_members_sql([column for _name, column, _convert in self.member_keys]), [household_ids])
            rows = cursor.fetchall()
            member_ids = [row[0] for row in rows]
            documents: dict[int, list[dict]] = defaultdict(list)
            if self.document_keys is not None and member_ids:
                cursor.execute(_documents_sql([column for _name, column, _convert in self.document_keys]), [member_ids])
                for member_id, *values in cursor.fetchall():
                    documents[member_id].append(
                        {
                            name: value if value is None or conversion is None else conversion(value)
                            for (name, _column, conversion), value in zip(self.document_keys, values, strict=True)
                        }
                    )
            needs: dict[int, list[str]] = defaultdict(list)
            if self.needs and member_ids:
                cursor.execute(_needs_sql(), [member_ids])
                for member_id, need in cursor.fetchall():
                    needs[member_id].append(need)
        names = [name for name, _column, _convert in self.member_keys]
        converted = [(index, convert) for index, (_name, _column, convert) in enumerate(self.member_keys) if convert]
        with_documents = self.document_keys is not None
        # The serializer declares documents and needs after the plain fields; else reorder.
        in_order = self.member_order[: len(names)] == names
        by_household: dict[int, list[dict]] = defaultdict(list)
        for member_id, household_id, *values in rows:
            for index, convert in converted:
                if values[index] is not None:
                    values[index] = convert(values[index])
            item = dict(zip(names, values, strict=True))
            if with_documents:
                item["documents"] = documents.get(member_id, EMPTY)
            if self.needs:
                item["specific_needs"] = needs.get(member_id, EMPTY)
            by_household[household_id].append(item if in_order else {name: item[name] for name in self.member_order})
        return by_household
