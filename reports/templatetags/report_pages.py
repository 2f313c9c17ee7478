"""What the report pages and the navigation ask: the Reports link, a report's title in the reader's language."""

from django import template
from django.template.loader import render_to_string
from django.utils.translation import get_language

from reports import policy
from reports.outputs.formatting import number_text
from reports.services import report_title

register = template.Library()


@register.filter
def reads_reports(user) -> bool:
    return policy.may_read_reports(user)


@register.filter
def count(value) -> str:
    """A count as the report writes it in the active language (grouped digits; Persian digits in Dari and Pashto)."""
    return number_text(value, language=get_language())


@register.filter
def title_of(report) -> str:
    """The report's title in the active language (the stored title is English)."""
    return report_title(period_start=report.period_start, period_end=report.period_end)


@register.filter
def signed_by_agency(report, agency_code: str):
    """The sign-off of ``agency_code`` among the report's (prefetched) sign-offs, or None."""
    return next((sign_off for sign_off in report.sign_offs.all() if sign_off.agency.code == agency_code), None)


@register.simple_tag(takes_context=True)
def report_body(context, body: dict | None) -> str:
    """The report itself: ``reports/outputs/report_body.html`` with the context ``reports.outputs.report_context``
    made, apart from the page's own (so neither's names hide the other's)."""
    if body is None:
        return ""
    return render_to_string("reports/outputs/report_body.html", body, request=context.get("request"))
