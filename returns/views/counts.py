"""Border arrival count pages: entering a day's counts, the daily grid, counted against registered.

Thin: parse the form, call the one service or selector, render. Reading counts is for anyone the
counts' gate lets in (``reads_border_counts``); recording is ``returns.policy``'s to allow.
"""

import calendar
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.problems import Refused
from returns import policy
from returns.forms.counts import BorderCountForm, GridForm, ReconciliationForm, default_crossing, initial_counts
from returns.models.counts import AGE_BANDS, MEASURES, SEXES, reads_border_counts
from returns.reference import reference_data
from returns.selectors.counts import (
    RECONCILIATION_DEFAULT_WEEKS,
    RECONCILIATION_MAX_WEEKS,
    border_count_day,
    border_count_grid,
    border_count_history,
    border_count_reconciliation,
    iso_week,
    reconciliation_days,
    reconciliation_default_weeks,
)
from returns.services.counts import border_count_record


def _require_reader(user) -> None:
    if not reads_border_counts(user):
        raise PermissionDenied(_("Your role cannot read border counts."))


def _month_bounds(first: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = first.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _grid_url(crossing_code: str, day: datetime.date) -> str:
    query = urlencode({"crossing": crossing_code, "month": day.strftime("%Y-%m")})
    return f"{reverse('returns:border-count-grid')}?{query}"


@require_http_methods(["GET"])
def border_count_grid_page(request):
    _require_reader(request.user)
    reference = reference_data()
    today = timezone.localdate()
    grid_form = GridForm(
        request.GET or None,
        reference=reference,
        initial={"crossing": default_crossing(request.user, reference), "month": today.replace(day=1)},
    )
    if grid_form.is_bound and grid_form.is_valid():
        crossing_code, month = grid_form.cleaned_data["crossing"], grid_form.cleaned_data["month"]
        whole_year = grid_form.cleaned_data["period"] == GridForm.Period.YEAR
    else:
        crossing_code, month, whole_year = grid_form.initial["crossing"], grid_form.initial["month"], False
    crossing = reference.offices.get(crossing_code)
    can_record = policy.may_record_border_counts(request.user)
    grid = None
    if crossing is not None:
        if whole_year:
            first_day, last_day = datetime.date(month.year, 1, 1), datetime.date(month.year, 12, 31)
        else:
            first_day, last_day = _month_bounds(month)
        grid = border_count_grid(user=request.user, crossing=crossing, first_day=first_day, last_day=last_day)
    return render(
        request,
        "returns/counts/grid.html",
        {
            "grid_form": grid_form,
            "crossing": crossing,
            "month": month,
            "whole_year": whole_year,
            "grid": grid,
            "sex_columns": [(sex, label, [f"{sex}_{band}" for band, _label in AGE_BANDS]) for sex, label in SEXES],
            "band_labels": [label for _band, label in AGE_BANDS],
            "can_record": can_record,
            "last_day_to_record": today if can_record else None,
        },
    )


@require_http_methods(["GET", "POST"])
def border_count_record_page(request):
    policy.require_record_border_counts(request.user)
    reference = reference_data()
    if request.method == "POST":
        count_form = BorderCountForm(request.POST, reference=reference)
        if count_form.is_valid():
            try:
                count = border_count_record(
                    recorded_by=request.user,
                    crossing=count_form.crossing_office,
                    day=count_form.cleaned_data["day"],
                    country=reference.countries[count_form.cleaned_data["country"]],
                    counts=count_form.counts,
                    note=count_form.cleaned_data["note"],
                )
            except Refused as refused:
                count_form.problems_show(refused.problems)
            else:
                messages.success(
                    request,
                    _("Counts for %(crossing)s on %(day)s saved (version %(version)s).")
                    % {
                        "crossing": count_form.crossing_office.shown_name,
                        "day": count.day.isoformat(),
                        "version": count.version,
                    },
                )
                return redirect(_grid_url(count_form.cleaned_data["crossing"], count.day))
        where = {name: count_form.data.get(name, "") for name in ("crossing", "day", "country")}
    else:
        where = initial_counts(user=request.user, reference=reference, params=request.GET)
        count_form = None
    history, counted = [], []
    crossing = reference.offices.get(where["crossing"])
    try:
        day = datetime.date.fromisoformat(where["day"])
    except ValueError:
        day = None
    if crossing is not None and day is not None:
        counted = border_count_day(user=request.user, crossing=crossing, day=day)
        if count_form is None and counted and not request.GET.get("country"):
            # From the grid's "correct": the day's first country already counted.
            where["country"] = counted[0].country_id
        history = border_count_history(user=request.user, crossing=crossing, day=day, country_code=where["country"])
    if count_form is None:
        # A correction starts from the current figures, so that only what changed is typed.
        current = history[0] if history else None
        initial = {**where, **({name: getattr(current, name) for name in MEASURES} if current else {})}
        count_form = BorderCountForm(initial=initial, reference=reference)
    return render(
        request,
        "returns/counts/record.html",
        {
            "count_form": count_form,
            "history": history,
            "current": history[0] if history else None,
            "counted": counted,
            "crossing": crossing,
            "day": day,
        },
    )


@require_http_methods(["GET"])
def border_count_reconciliation_page(request):
    _require_reader(request.user)
    today = timezone.localdate()
    default_from, default_to = reconciliation_default_weeks(today)
    form = ReconciliationForm(
        request.GET or None, initial={"week_from": iso_week(default_from), "week_to": iso_week(default_to)}
    )
    rows, first_day, last_day = None, None, None
    if not form.is_bound or form.is_valid():
        asked = form.cleaned_data if form.is_bound else {}
        try:
            first_day, last_day = reconciliation_days(
                week_from=asked.get("week_from"), week_to=asked.get("week_to"), today=today
            )
        except Refused as refused:
            form.problems_show(refused.problems)
        else:
            rows = border_count_reconciliation(user=request.user, first_day=first_day, last_day=last_day)
    return render(
        request,
        "returns/counts/reconciliation.html",
        {
            "form": form,
            "rows": rows,
            "first_day": first_day,
            "last_day": last_day,
            "default_weeks": RECONCILIATION_DEFAULT_WEEKS,
            "max_weeks": RECONCILIATION_MAX_WEEKS,
        },
    )
