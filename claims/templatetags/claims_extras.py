"""Small display helpers for the handler's desk: status badges, ages, query strings."""

import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from claims.models import Claim
from claimsdesk.display import person_name, ymd, ymd_hm

register = template.Library()

STATUS_CLASSES = {
    Claim.Status.DRAFT: "text-bg-secondary",
    Claim.Status.REPORTED: "text-bg-info",
    Claim.Status.DOCUMENTS_REQUESTED: "text-bg-warning",
    Claim.Status.UNDER_ASSESSMENT: "text-bg-primary",
    Claim.Status.AWAITING_APPROVAL: "status-awaiting",
    Claim.Status.APPROVED: "text-bg-success",
    Claim.Status.PAID: "status-paid",
    Claim.Status.CLOSED: "text-bg-dark",
    Claim.Status.WITHDRAWN: "text-bg-light border",
}

DECISION_CLASSES = {
    "covered": "text-bg-success",
    "excluded": "text-bg-danger",
    "pending": "text-bg-warning",
}


STATUS_LABELS = dict(Claim.Status.choices)


@register.simple_tag
def status_badge(claim):
    status = claim.status
    return format_html(
        '<span class="badge status-badge {}" data-status="{}">{}</span>',
        STATUS_CLASSES.get(status, "text-bg-secondary"),
        status,
        STATUS_LABELS.get(status, status),
    )


# A flag that asks for action today (要督促, a diary date come): softer than an overdue payment.
ACTION_BADGE = "bg-danger-subtle text-danger-emphasis border border-danger-subtle"


@register.simple_tag
def follow_up_badge(claim):
    """The queue's 要督促 flag: the claim's latest unanswered request is too old (no query:
    reads Claim.open_request_at, kept by the database)."""
    from documents import followup

    requested_at = claim.open_request_at
    if requested_at is None or claim.status not in followup.CHASED_STATUSES:
        return ""
    days = followup.days_waiting(requested_at)
    if days < followup.follow_up_days():  # followup.is_due, with the days worked out once
        return ""
    return format_html(
        '<span class="badge {} follow-up-badge" title="{} に書類を依頼してから未着">'
        "要督促 {}日</span>",
        ACTION_BADGE,
        ymd(requested_at),
        days,
    )


@register.simple_tag
def next_action_badge(claim, today=None):
    """The diary date (次回対応日): red from that day on, grey before; nothing once the claim
    is settled or when none is set."""
    from claims.models import IN_PROGRESS_STATUSES

    on = claim.next_action_on
    title = claim.next_action or "次回対応日"
    # the queue annotates the earliest open task (対応予定): the badge shows whichever is first
    task_on = getattr(claim, "task_due_on", None)
    if task_on is not None and (on is None or task_on < on):
        on, title = task_on, "対応予定"
    if on is None or claim.status not in IN_PROGRESS_STATUSES:
        return ""
    days = (on - (today or timezone.localdate())).days
    if days > 0:
        css, text = "text-bg-light border", f"対応予定 {on:%Y/%m/%d}"
    elif days == 0:
        css, text = ACTION_BADGE, "対応予定 本日"
    else:
        css, text = ACTION_BADGE, f"対応予定 {on:%Y/%m/%d} ({-days}日超過)"
    return format_html(
        '<span class="badge {} next-action-badge" title="{}">{}</span>',
        css,
        title,
        text,
    )


@register.filter
def open_task_count(tasks) -> int:
    return sum(1 for t in tasks if t.done_at is None)


@register.simple_tag
def task_due_badge(task, today=None):
    """An open task's day: red from that day on (本日 / N日超過), grey before."""
    days = (task.due_on - (today or timezone.localdate())).days
    if days > 0:
        css, text = "text-bg-light border", f"{task.due_on:%Y/%m/%d}"
    elif days == 0:
        css, text = ACTION_BADGE, f"{task.due_on:%Y/%m/%d} 本日"
    else:
        css, text = ACTION_BADGE, f"{task.due_on:%Y/%m/%d} ({-days}日超過)"
    return format_html('<span class="badge {} task-due">{}</span>', css, text)


@register.filter
def decision_class(code):
    return DECISION_CLASSES.get(code, "text-bg-secondary")


@register.filter
def days_since(moment):
    """Whole days from a datetime until now; None -> None."""
    if not moment:
        return None
    return max((timezone.now() - moment).days, 0)


@register.filter
def ymd_filter(value):
    """A date on screen: 2026/11/30 (with the local time for a datetime: 2026/11/30 14:05)."""
    return ymd_hm(value) if isinstance(value, datetime.datetime) else ymd(value)


register.filter("ymd", ymd_filter)


@register.filter
def person(user):
    """A user's Japanese display name (family name first), or the username."""
    return person_name(user)


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (None/'' drops them)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def label_of(mapping, key):
    """vocab label tables in templates: {{ vocab.CAUSES|label_of:item.cause }}."""
    try:
        return mapping.get(key, key)
    except AttributeError:
        return key


@register.filter
def evidence_marks(entry):
    """An overtime row's three Q5 marks: on file, confirmed without a file, or missing."""
    from claims.evidence import marks

    return marks(entry)


@register.filter
def has_unfiled_evidence(entry):
    """The entry has a Q5 kind ticked with no file of that kind (its note then matters)."""
    from claims.evidence import unfiled_ticks

    return bool(unfiled_ticks(entry))


@register.filter
def premium(value):
    """The overtime premium as typed: Decimal("1.255000000000") -> "1.255"."""
    from claims.premium import format_premium

    return format_premium(value)
