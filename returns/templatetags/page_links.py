"""How the pages link up: the breadcrumb trail and the stage a linked case is at.

``base.html`` captures the ``breadcrumbs`` block a page fills and draws the trail only when there
is one (the login and error pages have none). A case page's trail starts from where one came:
"My cases", "Caseload" or "Referrals" when one arrived from them, else the household it belongs to.
"""

from urllib.parse import urlsplit

from django import template
from django.urls import Resolver404, get_script_prefix, resolve, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from returns.workflows import workflow_named

register = template.Library()

# The lists a case is opened from, with the label of the breadcrumb back to them.
CASE_LISTS = {
    "returns:my-cases": _("My cases"),
    "returns:caseload": _("Caseload"),
    "returns:referrals": _("Referrals"),
}


class CaptureNode(template.Node):
    def __init__(self, nodelist, variable: str):
        self.nodelist = nodelist
        self.variable = variable

    def render(self, context) -> str:
        # What is captured is template output, escaped as it was rendered.
        context[self.variable] = mark_safe(self.nodelist.render(context).strip())  # noqa: S308
        return ""


@register.tag
def capture(parser, token):
    """``{% capture as name %}…{% endcapture %}``: render the inside into ``name`` (stripped), output nothing."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.simple_tag(takes_context=True)
def case_list_came_from(context) -> dict | None:
    """The case list the user opened this page from (``{"label", "url"}``), read from the Referer.

    The Referer, not a query parameter, so that every existing way to a case (a list's link, the
    "Find a case" box, the referrals inbox) keeps its plain URL. Only a page of this site counts,
    and only the three lists; after an action on the case (a form posted to itself) the trail falls
    back to the household's.
    """
    request = context.get("request")
    referer = request.headers.get("referer", "") if request is not None else ""
    if not referer:
        return None
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.get_host():
        return None
    prefix = get_script_prefix()
    path = parts.path
    if not path.startswith(prefix):
        return None
    try:
        match = resolve("/" + path[len(prefix) :])
    except Resolver404:
        return None
    name = f"{match.namespace}:{match.url_name}"
    if name not in CASE_LISTS:
        return None
    return {"label": CASE_LISTS[name], "url": reverse(name)}


@register.filter
def stage_label(case) -> str:
    """The stage a case is at, in words (its code if its workflow no longer has that stage)."""
    try:
        return workflow_named(case.workflow).stage(case.stage).label
    except KeyError:
        return case.stage
