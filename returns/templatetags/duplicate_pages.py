"""Template helpers for the review of possible duplicates."""

from django import template

from returns import policy

register = template.Library()


@register.filter
def reviews_duplicates(user) -> bool:
    return policy.may_review_duplicates(user)
