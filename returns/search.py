"""The search box: one text that finds households by any part of any name, in either script and
with the usual spellings, or by a registration, document or phone number.

- Each word of the text must match the same person: as any part of one of their names (folded:
  ``returns.names.name_fold``), or as a whole name by its key (``name_key``: Muhammad finds
  Mohammad and محمد). "Naveed Gul" finds the head whose given name is Naveed and father's Gul.
- A text with digits is a number (a name has none): a registration number, a document number
  (however it was typed: ``document_number_normal``) or a phone number (``phone_digits``).
- Ranked: households with a person matching every word as a whole name or key come first; then
  those matching a part of a name; within each, the newest arrivals first.

Everything is answered through indexes: the trigram index of ``Member.name_search`` (``LIKE``), the
document numbers' and phones' indexes, the registration number's unique index. The households are
found as one set of ids (a UNION); when there are few (up to ``FEW_FOUND``: one query more), the
page reads them by primary key, so no household is scanned to test it.
"""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from returns.names import document_number_normal, name_fold, name_key, phone_digits

# A phone is tried from this many digits: shorter numbers are more likely part of a document's.
PHONE_MIN_DIGITS = 6
# Up to this many households found, they are fetched as ids first and the page reads them by key.
FEW_FOUND = 10000


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
            keyed = Q(name_search__contains=f" {key} ") if len(key) >= 2 else Q(pk__in=[])
            exact = Q(name_search__contains=f" {word} ") | keyed
            match &= exact if whole else exact | Q(name_search__contains=word)
        # A compound name typed in two words and registered as one (Abdul Rahman, Abdurrahman;
        # ذبیح الله, Zabihullah): the words together are one name's key.
        if len(words) > 1 and len(joined := name_key("".join(words))) >= 2:
            match |= Q(name_search__contains=f" {joined} ")
        return match


def households_searched(queryset: QuerySet, text: str, *, members, documents) -> QuerySet:
    """``queryset`` (households, already through their gate) narrowed to the search, best first.

    ``members`` and ``documents`` are the Member and MemberDocument managers (passed in: this module
    is imported by the models)."""
    search = SearchText.of(text)
    if not search.text:
        return queryset
    households = queryset.model.objects.order_by()
    parts = [households.filter(registration_number__iexact=search.text).values("pk")]
    # A text with digits is a number (a name has none): its words are not tried as names.
    person = None if search.has_digits else search.person_match(whole=False)
    if person is not None:
        parts.append(members.filter(person).order_by().values("household_id"))
    if search.has_digits:
        number = document_number_normal(search.text)
        parts.append(documents.filter(number_normal=number).order_by().values("member__household_id"))
        if len(digits := phone_digits(search.text)) >= PHONE_MIN_DIGITS:
            parts.append(households.filter(phone_digits=digits).values("pk"))
    # One UNION of every way a household is found, without an order (it is a set of ids).
    found = parts[0].union(*parts[1:]).order_by() if len(parts) > 1 else parts[0]
    # The households found, as ids, when they are few (the usual case: a name with a father's name, a
    # number): the page then reads them by primary key. A common name alone stays a subquery.
    found_ids = [row["pk"] for row in found[: FEW_FOUND + 1]]
    few = len(found_ids) <= FEW_FOUND
    matched = queryset.filter(pk__in=found_ids if few else found)
    whole = None if search.has_digits else search.person_match(whole=True)
    if whole is None:
        return matched
    best = members.filter(whole).values("household_id")
    if few:
        best = best.filter(household_id__in=found_ids)
    ranked = matched.annotate(
        search_rank=Case(When(pk__in=best, then=Value(1)), default=Value(2), output_field=IntegerField())
    )
    return ranked.order_by("search_rank", *queryset.query.order_by or queryset.model._meta.ordering)
