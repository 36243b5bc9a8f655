"""Claim-page panels for approvals, payouts, the payment clock and the audit timeline (#7).

{% load payout_tags %}
{% claim_payout_panel claim %}   payout status, approve link, mark-paid / reopen / extend forms
{% claim_timeline claim %}       the audit trail in Japanese (claims.claim_page.timeline)
{% payment_clock claim %}        a small badge: 残りN日 / 期限超過 N日 / 書類待ち
{% clock_badge clock %}          the same badge for a clock already worked out (claims/_clock.html)
{% row_clock claim as clk %}     the clock once per queue row, for clock_badge and queue_dates
{% queue_dates claim clk %}      the queue's date columns under the status badge, below lg
"""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from claims import clock, permissions
from claims.approvals import four_eyes
from claims.claim_page import timeline as audit
from claims.models import Claim, Payout
from claimsdesk.display import ymd, ymd_ja

register = template.Library()
S = Claim.Status


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


def _on_approval_page(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.namespace == "approvals")


def _refused_panel_form(request, claim):
    """The panel form refused on the last POST for this claim (claims.approvals.views._keep_for_panel),
    taken from the session once and remembered on the request, so that every render of the
    panel in this response shows it and the next page does not."""
    from claims.approvals.views import PANEL_FORM_SESSION_KEY

    if request is None or not hasattr(request, "session"):
        return None
    if not hasattr(request, "_payout_panel_form"):
        kept = request.session.get(PANEL_FORM_SESSION_KEY)
        if kept and kept.get("claim") == claim.pk:
            del request.session[PANEL_FORM_SESSION_KEY]
        else:
            kept = None
        request._payout_panel_form = kept
    kept = request._payout_panel_form
    return kept if kept and kept.get("claim") == claim.pk else None


@register.simple_tag(takes_context=True)
def claim_payout_panel(context, claim):
    from claims.approvals.views import (
        ExtensionForm,
        MarkPaidForm,
        ReasonForm,
        SettleRecoveryForm,
    )

    user = _user(context)
    if user is None or not user.is_authenticated:
        return ""
    payouts = list(Payout.objects.filter(claim=claim).select_related("approved_by", "voided_by"))
    live_payouts = sorted(
        (p for p in payouts if p.status != Payout.Status.VOIDED), key=lambda p: -p.sequence
    )
    live, earlier = (live_payouts[0], live_payouts[1:]) if live_payouts else (None, [])
    voided = [p for p in payouts if p.status == Payout.Status.VOIDED]
    supervisor = permissions.is_supervisor(user) or permissions.is_admin(user)
    state = clock.payment_clock(claim)
    may_extend = (
        claim.payment_due_on is not None
        and claim.status not in {S.PAID, S.CLOSED, S.WITHDRAWN, S.DRAFT}
        and permissions.is_supervisor(user)  # a supervisor's decision (保険法21条)
    )
    recoveries = list(claim.recoveries.select_related("requested_by", "settled_by"))
    four_eyes_note = None
    if supervisor and (
        claim.status == S.APPROVED or any(r.status == "requested" for r in recoveries)
    ):
        reason = four_eyes.touchers([claim.pk], user=user)[claim.pk].get(user.pk)
        if reason:
            four_eyes_note = four_eyes.message(reason, "支払済みの記録・返還の免除")
    request = context.get("request")
    form_classes = {
        "paid": MarkPaidForm,
        "reopen": ReasonForm,
        "extend": ExtensionForm,
        "settle": SettleRecoveryForm,
    }
    forms_ = {prefix: cls(prefix=prefix) for prefix, cls in form_classes.items()}
    forms_["paid"].initial = {"paid_on": timezone.localdate()}
    forms_["settle"].initial = {"on": timezone.localdate(), "outcome": "received"}
    refused = _refused_panel_form(request, claim)
    if refused and refused["prefix"] in form_classes:
        prefix = refused["prefix"]
        bound = form_classes[prefix](refused["data"], prefix=prefix)
        bound.is_valid()  # fills .errors for the template
        forms_[prefix] = bound
    # Q1: what payment still waits for (保険金請求書類), said before anyone clicks
    claim_docs_missing = []
    if claim.status in {S.AWAITING_APPROVAL, S.APPROVED}:
        from claims.approvals.payouts import claim_documents_missing

        claim_docs_missing = claim_documents_missing(claim)
    return render_to_string(
        "claims/_payout_panel.html",
        {
            "claim": claim,
            "claim_docs_missing": claim_docs_missing,
            "overrides": list(
                claim.checklist_overrides.filter(stage="claim_documents").select_related("by")
            ),
            "live": live,
            "earlier": earlier,
            "voided": voided,
            "clock": state,
            "extensions": list(claim.extensions.all()) if claim.payment_due_on else [],
            "can_approve_link": permissions.is_supervisor(user)
            and claim.status == S.AWAITING_APPROVAL
            and not _on_approval_page(request),
            "can_mark_paid": supervisor and claim.status == S.APPROVED and not four_eyes_note,
            "four_eyes_note": four_eyes_note,
            "can_reopen": supervisor and claim.status == S.APPROVED,
            "may_extend": may_extend,
            "paid_form": forms_["paid"],
            "reopen_form": forms_["reopen"],
            "extend_form": forms_["extend"],
            "settle_form": forms_["settle"],
            "recoveries": recoveries,
            "can_settle": supervisor,
            "next": request.get_full_path() if request else "",
        },
        request=request,
    )


@register.simple_tag(takes_context=True)
def claim_timeline(context, claim):
    user = _user(context)
    if user is None or not permissions.can_view(user, claim):
        return ""
    request = context.get("request")
    group = _history_group(request)
    entries = audit.claim_timeline(claim)
    return render_to_string(
        "claims/_timeline.html",
        {
            "entries": audit.filter_entries(entries, group),
            "history_group": group if group in audit.HISTORY_FILTERS else "",
            "history_filters": [(k, v[0]) for k, v in audit.HISTORY_FILTERS.items()],
            "page_path": _page_path(request, claim),
        },
        request=request,
    )


def _history_group(request) -> str:
    """The claim page's history filter (?history=status ...); an htmx refresh of the
    timeline keeps the filter of the page it is swapped into (HX-Current-URL)."""
    if request is None:
        return ""
    group = request.GET.get("history", "")
    if not group and request.headers.get("HX-Request"):
        from urllib.parse import parse_qs, urlsplit

        query = urlsplit(request.headers.get("HX-Current-URL", "")).query
        group = (parse_qs(query).get("history") or [""])[0]
    return group


def _page_path(request, claim) -> str:
    """Where the filter links point: the page shown (claim or approval page); after an
    htmx change, the page the timeline is swapped into, else the claim page."""
    if request is not None and request.method == "GET" and not request.headers.get("HX-Request"):
        return request.path
    if request is not None and request.headers.get("HX-Current-URL"):
        from urllib.parse import urlsplit

        path = urlsplit(request.headers["HX-Current-URL"]).path
        if path:
            return path
    return reverse("claims:detail", args=[claim.number])


@register.simple_tag
def clock_badge(state: clock.Clock) -> str:
    """The payment clock's badge, nothing once the clock has stopped. Built here, not by a
    template: the queue shows one per row, and a template render per row cost the queue
    page about a tenth of its time (docs/benchmarks.md)."""
    if state.state == clock.STOPPED:
        return ""
    title = (
        f"支払期限 {ymd_ja(state.due_on)} (保険法21条)" if state.due_on else "書類完備日から30日"
    )
    return format_html(
        '<span class="badge {}" title="{}">{}{}</span>',
        state.css,
        title,
        "⚠ " if state.state == clock.OVERDUE else "",
        state.label,
    )


@register.simple_tag
def payment_clock(claim):
    return clock_badge(clock.payment_clock(claim))


@register.simple_tag
def row_clock(claim) -> clock.Clock:
    """The row's payment clock, worked out once for both places the queue shows it
    ({% row_clock c as clk %}, then {% clock_badge clk %} and {% queue_dates c clk %})."""
    return clock.payment_clock(claim)


@register.simple_tag
def queue_dates(claim, state: clock.Clock | None = None) -> str:
    """Below Bootstrap's lg breakpoint (a 1366 px screen at 200 %) the queue hides its date
    columns and shows them here instead, under the status badge: 支払期限 with its clock in
    words (⚠ 期限超過 N日, ⚠ 残りN日, not colour alone), 次回対応日 when set. For eyes and
    screen readers alike: the columns are display:none then, and this copy is display:none
    at lg and up, so nothing is read twice. Built here like clock_badge: one per row."""
    state = state or clock.payment_clock(claim)
    due = ""
    if state.state != clock.STOPPED:
        if state.due_on:
            due = format_html(
                '<span class="queue-due">期限 {}</span> '
                '<span class="badge {} queue-due-state">{}{}</span>',
                ymd(state.due_on),
                state.css,
                "⚠ " if state.flagged else "",
                state.label,
            )
        else:
            due = format_html(
                '<span class="queue-due">期限 <span class="badge {} queue-due-state">{}</span></span>',
                state.css,
                state.label,
            )
    next_on = ""
    if claim.next_action_on:
        next_on = format_html(
            ' <span class="queue-next">次回対応 <span class="text-nowrap">{}</span></span>',
            ymd(claim.next_action_on),
        )
    return format_html('<div class="queue-dates d-lg-none">{}{}</div>', due, next_on)


@register.filter
def evidence_labels(codes):
    """Q5 evidence codes -> their Japanese labels, joined."""
    from coverage import vocab

    return "、".join(vocab.EVIDENCE_KINDS.get(c, c) for c in codes or ())


@register.filter
def mark_of(marks, pk):
    """An item's mark against the previous payment ("今回追加", ...), or ""."""
    return (marks or {}).get(pk, "")
