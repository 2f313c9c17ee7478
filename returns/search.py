"""The search box: one text that finds households by any part of any name, in either script and
with the usual spellings, or by a registration, document or phone number.

- Each word of the text must match the same person: as any part of one of their names (folded:
  ``returns.names.name_fold``), or as a whole name by its key (``name_key``: Muhammad finds
  Mohammad and محمد). "Naveed Gul" finds the head whose given name is Naveed and father's Gul.
- A text with digits is a number (a name has none): a registration number, a document number
  (however it was typed: ``document_number_normal``) or a phone number (``phone_digits``).
- Ranked: households with a person matching every word as a whole name or key come first; then
  those matching a part of a name; within each, the newest arrivals first. A text found in more
  than ``FEW_FOUND`` households, or that PostgreSQL expects in more than ``MANY_EXPECTED`` people
  (a common name alone), lists them newest first, unranked, reading only a page's worth of
  households (``_many_found``).

Everything is answered through indexes: the trigram index of ``Member.name_search`` (``LIKE``), the
document numbers' and phones' indexes, the registration number's unique index. The households are
found as one set of ids (a UNION); when there are few (up to ``FEW_FOUND``), one query more reads
which of them the list may show, and the page reads those by primary key, ranked, without counting
them again: no household is scanned to test it.
"""

import json
from dataclasses import dataclass

from django.db import connections
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

from returns.names import document_number_normal, name_fold, name_key, phone_digits

# A phone is tried from this many digits: shorter numbers are more likely part of a document's.
PHONE_MIN_DIGITS = 6
# Up to this many households found, they are fetched as ids first and the page reads them by key.
FEW_FOUND = 5000
# The rows read of each way of finding households (a household has several people): reading more
# means more than ``FEW_FOUND`` households are likely, and the list is read in its own order instead.
ROWS_READ = FEW_FOUND + 1
# When PostgreSQL expects more people than this to match the words (before the gate), they are not
# read as ids first: the list is read in its own order (``_many_found``). Its estimates of a name's
# frequency are within a few times of the truth, so a name expected this often is many.
MANY_EXPECTED = 4 * FEW_FOUND


@dataclass(frozen=True)
class SearchText:
    """What a search box's text asks, read once."""

    text: str
    words: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> "SearchText":
        text = (text or "").strip()
        return cls(text=text, words=tuple(word for word in name_fold(text).split(" ") if word))

    @property
    def has_digits(self) -> bool:
        return any(character.isdigit() for character in document_number_normal(self.text))

    def person_match(self, *, whole: bool) -> Q | None:
        """The people whose names match every word: as a whole name or key (``whole``), or at least
        as a part of a name. None when there is no word to match."""
        words = [word for word in self.words if not any(character.isdigit() for character in word)]
        if not words:
            return None
        match = Q()
        for word in words:
            key = name_key(word)
            keyed = _whole_name(key) if len(key) >= 2 else Q(pk__in=[])
            # A part of a name holds the whole word too: one trigram search less for the index.
            match &= Q(name_search__contains=f" {word} ") | keyed if whole else Q(name_search__contains=word) | keyed
        # A compound name typed in two words and registered as one (Abdul Rahman, Abdurrahman;
        # ذبیح الله, Zabihullah): the words together are one name's key.
        if len(words) > 1 and len(joined := name_key("".join(words))) >= 2:
            match |= _whole_name(joined)
        return match


def _whole_name(form: str) -> Q:
    """People with ``form`` as one whole name in ``name_search`` (between spaces).

    The index is asked only for ``form`` ending a name: a name's start brings the trigram of every
    name beginning with its first letter (the index pads a word with two spaces in front), which
    costs more than all the others together; the name's start is then checked on the rows found."""
    return Q(name_search__contains=f"{form} ") & Q(GreaterThan(StrIndex("name_search", Value(f" {form} ")), 0))


def households_searched(queryset: QuerySet, text: str, *, members, documents) -> QuerySet:
    """``queryset`` (households, already through their gate) narrowed to the search, best first.

    ``members`` and ``documents`` are the Member and MemberDocument managers (passed in: this module
    is imported by the models)."""
    search = SearchText.of(text)
    if not search.text:
        return queryset
    households = queryset.model.objects.order_by()
    # Registration numbers are written in capitals (office code, year, serial): found through their
    # unique index however the text is typed.
    # Each way of finding a household also says whether it is a best match (a whole name or key, a
    # number), so the ranking needs no query of its own.
    best = Value(True)
    parts = [households.filter(registration_number=search.text.upper()).annotate(best=best).values_list("pk", "best")]
    # A text with digits is a number (a name has none): its words are not tried as names.
    person = None if search.has_digits else search.person_match(whole=False)
    if person is not None:
        people = members.filter(person).order_by()
        # A common name alone (Ahmad, وحید): PostgreSQL expects far more people than are ranked, so
        # they are not read first only to find that they are many (one EXPLAIN, nothing read).
        if _estimated(people) > MANY_EXPECTED:
            return _many_found(queryset, members, person=person)
        whole = ExpressionWrapper(search.person_match(whole=True), output_field=BooleanField())
        parts.append(people.annotate(best=whole).values_list("household_id", "best"))
    if search.has_digits:
        number = document_number_normal(search.text)
        parts.append(
            documents.filter(number_normal=number)
            .order_by()
            .annotate(best=best)
            .values_list("member__household_id", "best")
        )
        if len(digits := phone_digits(search.text)) >= PHONE_MIN_DIGITS:
            parts.append(households.filter(phone_digits=digits).annotate(best=best).values_list("pk", "best"))
    # Every way a household is found, each read up to ``ROWS_READ`` rows, in one query: a UNION ALL
    # streams (a UNION would read every person of a common name to remove the repeats first).
    parts = [part[:ROWS_READ] for part in parts]
    rows = list(parts[0].union(*parts[1:], all=True).order_by() if len(parts) > 1 else parts[0])
    found_ids = {pk for pk, _best in rows}
    # As ids, when they are few (the usual case: a name with a father's name, a number).
    if len(found_ids) > FEW_FOUND or len(rows) >= ROWS_READ:
        return _many_found(queryset, members, person=person)
    return _ranked(queryset, found_ids, best_ids={pk for pk, is_best in rows if is_best})


def _ranked(queryset: QuerySet, found_ids: set, *, best_ids: set) -> QuerySet:
    """The households found that the list may show, best first, then in the list's order.

    One query reads which of them pass the list's gate and filters, with what the list is ordered by;
    they are ranked here, and the page reads its households by primary key in that order. The list
    then knows its count (``count_known``, ``agencies.paging``): nothing is counted again.
    """
    model = queryset.model
    ordering = list(queryset.query.order_by or model._meta.ordering)
    if not all(isinstance(field, str) and field.lstrip("-").isidentifier() for field in ordering):
        raise ValueError(f"The search ranks a list ordered by fields, not by {ordering!r}.")
    fields = [field.lstrip("-") for field in ordering]
    rows = list(queryset.filter(_id_in(model, found_ids)).order_by().values_list("pk", *fields))
    # Sorted on the last key first, each sort stable: the list's order, then best matches ahead.
    for position in reversed(range(len(fields))):
        rows.sort(key=lambda row: _sortable(row[position + 1]), reverse=ordering[position].startswith("-"))
    rows.sort(key=lambda row: row[0] not in best_ids)
    ids = [row[0] for row in rows]
    # The table's name from the model; the ids go as one array parameter.
    in_order = RawSQL(f'array_position(%s::bigint[], "{model._meta.db_table}"."id")', (_array(ids),))  # noqa: S611
    ranked = queryset.filter(_id_in(model, ids)).order_by(in_order)
    ranked.query.count_known = len(ids)
    return ranked


def _sortable(value):
    """A value of the list's ordering, comparable when some are missing (PostgreSQL sorts NULL last
    ascending)."""
    return (value is None, value)


def _id_in(model, ids) -> RawSQL:
    """``pk IN (...)`` as one array parameter: thousands of ids are one value to send, not thousands
    of placeholders to compile."""
    # The table's name from the model; the ids go as a parameter.
    sql = f'"{model._meta.db_table}"."id" = ANY(%s::bigint[])'
    return RawSQL(sql, (_array(sorted(ids)),), output_field=BooleanField())  # noqa: S611


def _array(ids) -> str:
    """Ids as one array literal (``{1,2,3}``): PostgreSQL reads it as one value, where a list sent as
    ``ARRAY[1, 2, 3]`` is an expression of thousands of constants to parse and plan."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


def _many_found(queryset: QuerySet, members, *, person: Q | None) -> QuerySet:
    """More than ``FEW_FOUND`` households (a common name alone): the list is read in its own order
    (the newest arrivals first, through its index), each household tested for a person matching, so
    a page costs a page's worth of households, not a sort of every household found.

    Not ranked: the whole-name matches are not sorted ahead of the others across more than 10,000
    households; a narrower search (a father's name, a family name) is ranked. The list says "about
    40,000", PostgreSQL's estimate, without counting (``count_estimate``: counting would test every
    household); the exact count is a click away. A number is never many (it is one document).
    """
    if person is None:
        return queryset.none()
    matched = queryset.filter(Exists(members.filter(person, household_id=OuterRef("pk")).order_by()))
    # Never below what was found (before the gate): a page is cut at the count, and an estimate too
    # low would cut the first pages short; one too high leaves the last pages empty.
    matched.query.count_estimate = max(_estimated(matched), FEW_FOUND + 1)
    return matched


def _estimated(queryset: QuerySet) -> int:
    """How many rows PostgreSQL's planner expects ``queryset`` to hold (one EXPLAIN, nothing read)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])
