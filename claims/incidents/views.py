"""Incident register pages: the list, one incident's register and its payouts CSV."""

from __future__ import annotations

import datetime
import itertools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from claims import clock, permissions
from claims.exports import csv_lines, csv_text
from claims.incidents.register import (
    LIVE,
    PAGE_SIZE,
    S,
    incident_register,
    status_chart,
    weekly_chart,
)
from claims.models import Claim, Incident, Payout, Recovery

# --- views -------------------------------------------------------------------------------


def _require_desk_user(user):
    if not permissions.is_desk_user(user):
        raise PermissionDenied


def _may_export(user) -> bool:
    return permissions.is_supervisor(user) or permissions.is_admin(user)


@login_required
def incident_list(request):
    _require_desk_user(request.user)
    incidents = list(
        Incident.objects.annotate(
            n_claims=Count("claims", filter=~Q(claims__status=S.DRAFT)),
        ).order_by("-occurred_on", "-id")
    )
    paid = dict(
        Payout.objects.filter(status=Payout.Status.PAID)
        .values("claim__incident")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("claim__incident", "total")
    )
    refunded = dict(
        Recovery.objects.filter(status=Recovery.Status.RECEIVED)
        .values("claim__incident")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("claim__incident", "total")
    )
    for incident in incidents:
        incident.paid_total = paid.get(incident.pk, 0) - refunded.get(incident.pk, 0)
    return render(request, "incidents/list.html", {"incidents": incidents})


@login_required
def incident_detail(request, pk):
    _require_desk_user(request.user)
    incident = get_object_or_404(Incident, pk=pk)
    register = incident_register(incident)
    claims = (
        Claim.objects.filter(permissions.visible_claims_q(request.user), incident=incident)
        .select_related("policy__insured", "policy__plan", "handler")
        .order_by("-reported_at", "-id")
    )
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(c, clock.payment_clock(c, today=today)) for c in page.object_list]
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "register": register,
            "weekly": weekly_chart(register.weekly),
            "status_chart": status_chart(register.by_status),
            "page": page,
            "rows": rows,
            "may_export": _may_export(request.user),
        },
    )


CSV_HEADER = [
    "事故番号",
    "被保険者",
    "登録番号",
    "状態",
    "支払回数",
    "承認日時",
    "支払日",
    "支払参照番号",
    "賠償 (円)",
    "費用 (円)",
    "合計 (円)",
]


@login_required
def incident_payouts_csv(request, pk):
    """The incident's live payouts for the recovery file; UTF-8 with a BOM for Excel."""
    if not _may_export(request.user):
        raise PermissionDenied
    incident = get_object_or_404(Incident, pk=pk)
    # ?paid_from=&paid_to= (YYYY-MM-DD): only what was paid in those days, by 支払日
    # (refunds by the day they came in)
    span = {}
    for param in ("paid_from", "paid_to"):
        value = request.GET.get(param, "").strip()
        if value:
            try:
                span[param] = datetime.date.fromisoformat(value)
            except ValueError:
                return HttpResponse(
                    "支払日の範囲は YYYY-MM-DD の形式で指定してください。",
                    status=400,
                    content_type="text/plain; charset=utf-8",
                )
    payouts = (
        Payout.objects.filter(claim__incident=incident, status__in=LIVE)
        .select_related("claim__policy__insured")
        .order_by("claim__number", "sequence")
    )
    refunds_q = Recovery.objects.filter(claim__incident=incident, status=Recovery.Status.RECEIVED)
    if span:
        payouts = payouts.filter(status=Payout.Status.PAID)
    if "paid_from" in span:
        payouts = payouts.filter(paid_on__gte=span["paid_from"])
        refunds_q = refunds_q.filter(settled_on__gte=span["paid_from"])
    if "paid_to" in span:
        payouts = payouts.filter(paid_on__lte=span["paid_to"])
        refunds_q = refunds_q.filter(settled_on__lte=span["paid_to"])
    rows = (
        [
            p.claim.number,
            csv_text(p.claim.policy.insured.name),
            csv_text(p.claim.policy.insured.registration_number),
            p.get_status_display(),
            p.sequence,
            f"{timezone.localtime(p.approved_at):%Y-%m-%d %H:%M}",
            f"{p.paid_on:%Y-%m-%d}" if p.paid_on else "",
            csv_text(p.payment_reference),
            p.liability_amount,
            p.expense_amount,
            p.amount,
        ]
        for p in payouts.iterator(chunk_size=2000)
    )
    # refunds received (過払い返還) as negative rows, so the column sums are what was paid
    refunds = (
        [
            r.claim.number,
            csv_text(r.claim.policy.insured.name),
            csv_text(r.claim.policy.insured.registration_number),
            r.get_status_display(),
            "",
            f"{timezone.localtime(r.requested_at):%Y-%m-%d %H:%M}",
            f"{r.settled_on:%Y-%m-%d}",
            csv_text(r.settled_note),
            -r.liability_amount,
            -r.expense_amount,
            -r.amount,
        ]
        for r in refunds_q.select_related("claim__policy__insured").order_by(
            "claim__number", "requested_at"
        )
    )
    response = HttpResponse(
        csv_lines(CSV_HEADER, itertools.chain(rows, refunds)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="incident-{incident.pk}-payouts-{timezone.localdate():%Y%m%d}.csv"'
    )
    return response
