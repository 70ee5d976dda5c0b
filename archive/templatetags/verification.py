"""{% verify_mark %}: the verification code and QR code a printed form carries on every one of its pages."""

from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag(takes_context=True)
def verify_mark(context, key: str = "") -> str:
    """The running mark of the form ``key`` (a per-student form's anchor; "" for a class's one document).

    The mark is a running element (forms.css): every page from the one it is on carries it at the
    bottom left, until the next form's mark takes over.
    """
    marks = context.get("marks") or {}
    found = marks.get(key)
    if found is None:
        return ""
    return render_to_string("pdf/_verify_mark.html", {"mark": found})
