"""Money and reason display shared by every page, letter and PDF."""

from django import template

from coverage import vocab

register = template.Library()


@register.filter
def yen(value):
    """1234567 -> '1,234,567円'; None -> '—'."""
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}円"
    except (TypeError, ValueError):
        return "—"


@register.filter
def comma(value):
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.filter
def reason(code):
    """The vocab.Reason for a reason code (title, explanation, qa), or None."""
    return vocab.REASONS.get(code)


@register.filter
def decision_label(code):
    return vocab.DECISIONS.get(code, code)


@register.filter
def covered_basis(section):
    """The Q&A passage a covered line of `section` rests on (vocab.COVERED_BASIS), or None."""
    return vocab.covered_basis(section)
