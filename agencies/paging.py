"""Paging a list page without counting every row of a large result.

Django's ``Paginator`` counts the whole result to number its pages: on an agency-wide list of a
registry of millions that count costs more than the page itself. ``CappedPaginator`` counts at
most ``COUNT_LIMIT`` + 1 rows (``SELECT count(*) FROM (... LIMIT 10001)``), so a page says "more
than 10,000" and numbers its pages up to there; ``?count=exact`` asks for the exact count, once,
when someone needs it. A list that knows its count (``count_known`` on its query: the search's
households, read as ids) is not counted again.
"""

from functools import cached_property

from django.core.paginator import Paginator

COUNT_LIMIT = 10_000
EXACT_COUNT_PARAMETER = "count"


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, exact: bool = False, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.exact = exact

    @cached_property
    def count(self) -> int:
        # A list that already knows how many rows it holds (``returns.search``: the households found).
        if (known := getattr(self.object_list.query, "count_known", None)) is not None:
            return known
        if self.exact:
            return super().count
        # A list too costly to count (``returns.search``: a common name) carries PostgreSQL's estimate.
        if (estimate := self.estimate) is not None:
            return estimate
        # Only the ids: the list's annotations (a head's name, a stage label) are not worked out for
        # rows that are only counted.
        return self.object_list.order_by().values("pk")[: COUNT_LIMIT + 1].count()

    @property
    def estimate(self) -> int | None:
        if self.exact or getattr(self.object_list.query, "count_known", None) is not None:
            return None
        return getattr(self.object_list.query, "count_estimate", None)

    @property
    def count_estimated(self) -> bool:
        """True when the count is the database's estimate: the page says "about 40,000"."""
        return self.estimate is not None

    @property
    def count_capped(self) -> bool:
        """True when there are more rows than were counted: the page says "more than 10,000"."""
        return not self.exact and not self.count_estimated and self.count > COUNT_LIMIT

    @property
    def count_limit(self) -> int:
        return COUNT_LIMIT


def page_of(request, object_list, per_page: int, *, page_parameter: str = "page"):
    """The page ``request`` asks for, counted up to ``COUNT_LIMIT`` unless it asks for the exact count."""
    exact = request.GET.get(EXACT_COUNT_PARAMETER) == "exact"
    return CappedPaginator(object_list, per_page, exact=exact).get_page(request.GET.get(page_parameter))
