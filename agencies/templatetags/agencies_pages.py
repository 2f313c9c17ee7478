"""What the page layout asks of the agencies app: whether to offer the access log."""

from django import template

from agencies.models import may_read_access_log

register = template.Library()


@register.filter
def reads_access_log(user) -> bool:
    return may_read_access_log(user)
