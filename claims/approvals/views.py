"""Supervisor approvals: the queue, the approval page and the payout actions.

Thin views: access through claims.permissions, every write through claims.approvals.payouts, every
refusal (ClaimError) shown to the user as a message, never a 500.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Subquery, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from claims import clock, permissions, services
from claims.approvals import four_eyes, payouts
from claims.approvals.forms import (
    ApproveForm,
    ExtensionForm,
    MarkPaidForm,
    ReasonForm,
    RecoverForm,
    SettleRecoveryForm,
)
from claims.approvals.versions import claim_version
from claims.models import Claim, FigureChange, Payout, Recovery, SendBackRequest, StatusChange
from claims.services import ClaimError

S = Claim.Status
QUEUE_PAGE_SIZE = 100


# --- helpers -----------------------------------------------------------------------------


def _require_supervisor(user):
    if not permissions.is_supervisor(user):
        raise PermissionDenied


def _visible_claim(request, number) -> Claim:
    claim = get_object_or_404(
        Claim.objects.select_related("policy__insured", "policy__plan", "incident", "handler"),
        number=number,
    )
    if not permissions.can_view(request.user, claim):
        raise Http404
    return claim


def _back(request, claim, anchor: str = ""):
    """Where a payout action returns: a safe `next`, else the approval or claim page; with an
    anchor (#payout-panel after a refused form) the browser scrolls to it."""
    fragment = f"#{anchor}" if anchor else ""
    target = (request.POST.get("next") or "").split("#")[0]
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target + fragment)
    if permissions.is_supervisor(request.user):
        return redirect(reverse("approvals:detail", args=[claim.number]) + fragment)
    try:
        return redirect(reverse("claims:detail", args=[claim.number]) + fragment)
    except NoReverseMatch:
        return redirect("claims:queue")


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- the queue ---------------------------------------------------------------------------


@login_required
def approval_queue(request):
    _require_supervisor(request.user)
    submitted = (
        StatusChange.objects.filter(claim=OuterRef("pk"), to_status=S.AWAITING_APPROVAL)
        .order_by("-at")
        .values("at")[:1]
    )
    # What earlier payouts paid: a claim reopened after payment asks for the difference only.
    paid_before = (
        Payout.objects.filter(claim=OuterRef("pk"), status__in=payouts.LIVE)
        .order_by()
        .values("claim")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    asked_back = (  # refunds asked for count against it (payouts.next_payment)
        Recovery.objects.filter(claim=OuterRef("pk"), status__in=payouts.RECOVERED)
        .order_by()
        .values("claim")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    # Authority follows the policy: what its other claims were paid counts too.
    policy_paid = (
        Payout.objects.filter(claim__policy=OuterRef("policy"), status__in=payouts.LIVE)
        .exclude(claim=OuterRef("pk"))
        .order_by()
        .values("claim__policy")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    policy_back = (
        Recovery.objects.filter(claim__policy=OuterRef("policy"), status__in=payouts.RECOVERED)
        .exclude(claim=OuterRef("pk"))
        .order_by()
        .values("claim__policy")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    asked_to_send_back = (  # 差戻し依頼: the newest; it counts when made since submission
        SendBackRequest.objects.filter(claim=OuterRef("pk")).order_by("-at").values("at")[:1]
    )
    claims = (
        Claim.objects.filter(permissions.visible_claims_q(request.user))
        .filter(status=S.AWAITING_APPROVAL)
        .select_related("policy__insured", "policy__plan", "handler")
        .annotate(
            submitted_at=Subquery(submitted),
            paid_before=Subquery(paid_before),
            asked_back=Subquery(asked_back),
            policy_paid=Subquery(policy_paid),
            policy_back=Subquery(policy_back),
            send_back_asked_at=Subquery(asked_to_send_back),
        )
        .annotate(  # the payable amount moved after it was sent (claims.reassess)
            changed_since=Exists(
                FigureChange.objects.filter(claim=OuterRef("pk"), at__gte=OuterRef("submitted_at"))
            )
        )
        .order_by("submitted_at", "reported_at", "id")
    )
    page = Paginator(claims, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    limit = payouts.authority_limit(request.user)
    today = timezone.localdate()
    # four eyes for the whole page at once: why this supervisor may not decide each claim
    touched = four_eyes.touchers([c.pk for c in page.object_list], user=request.user)
    rows = []
    for claim in page.object_list:
        if claim.paid_before:
            claim.paid_before -= claim.asked_back or 0
        top_up = claim.total_payable - claim.paid_before if claim.paid_before else None
        rows.append(
            {
                "claim": claim,
                "clock": clock.payment_clock(claim, today=today),
                "over_limit": limit is None
                or claim.total_payable + (claim.policy_paid or 0) - (claim.policy_back or 0)
                > limit,
                "top_up": top_up,
                "overpaid": -top_up if top_up is not None and top_up < 0 else 0,
                "send_back_asked": claim.send_back_asked_at is not None
                and (claim.submitted_at is None or claim.send_back_asked_at >= claim.submitted_at),
                "four_eyes": four_eyes.message(touched[claim.pk][request.user.pk])
                if request.user.pk in touched[claim.pk]
                else None,
            }
        )
    from claims.claim_page.timeline import authority_timeline

    return render(
        request,
        "approvals/queue.html",
        {
            "rows": rows,
            "page": page,
            "limit": limit,
            "authority_changes": authority_timeline(limit=10),
        },
    )


# --- the approval page -------------------------------------------------------------------


def _item_marks(claim, ca) -> dict[str, dict]:
    """For a supplementary approval: section -> {item pk: "今回追加" / "前回 …円から変更"},
    against the payout the claim was last paid on, so the supervisor sees what is new."""
    before = payouts.items_before(claim)
    marks = {}
    for section, pairs in (
        ("damages", ca.damages),
        ("expenses", ca.expenses),
        ("overtime", ca.overtime),
    ):
        marks[section] = {
            row.pk: mark
            for row, d in pairs
            if (mark := payouts.item_mark(before, section, row.pk, d.covered))
        }
    return marks


def _q1_context(claim) -> dict:
    """The Q1 checklist for the approver: both stages, what is missing, and every override
    (who moved the claim on without a complete stage, when and why)."""
    from documents.checklist import STAGE_CLAIM, STAGE_SUBSTANTIATION, claim_checklist

    checklist = claim_checklist(claim)

    def missing(code):
        return [i for i in checklist.stage(code).items if not i.satisfied]

    return {
        "checklist": checklist,
        "substantiation_missing": missing(STAGE_SUBSTANTIATION),
        "claim_missing": missing(STAGE_CLAIM),
        "overrides": list(claim.checklist_overrides.select_related("by")),
    }


APPROVAL_NOTES_SHOWN = 5  # the latest contact-log entries; the claim page has them all


def _approval_context(request, claim, **forms_):
    from coverage.adapters import claim_assessment

    ca = claim_assessment(claim)
    due = payouts.next_payment(claim, ca.assessment)
    problems = []
    if claim.status == S.AWAITING_APPROVAL:
        problems = payouts.approval_problems(
            claim=claim, by=request.user, assessment=ca.assessment, due=due, usage=ca.usage
        )
    live = payouts.decided_payout(claim)
    from claims.approvals.policy_limits import open_siblings
    from claims.evidence import unfiled_confirmations
    from claims.reassess import changed_since_submission

    return {
        "since_submission": changed_since_submission(claim),
        "open_siblings": open_siblings(claim) if claim.status == S.AWAITING_APPROVAL else [],
        # the handler's 差戻し依頼, shown first on the page
        "send_back_request": services.open_send_back_request(claim),
        "q1": _q1_context(claim),
        # Q5 evidence confirmed by a tick with no file: the approver sees each, with its note
        "unfiled_evidence": unfiled_confirmations(row for row, _ in ca.overtime),
        "marks": _item_marks(claim, ca) if due.is_supplementary and live is None else {},
        "claim": claim,
        "live": live,
        "due": due,
        # a supplementary payout's frozen rows are marked against the payout before it
        "snapshot_rows": payouts.snapshot_rows(live.snapshot, payouts.items_before(claim, live))
        if live
        else [],
        "ca": ca,
        "assessment": ca.assessment,
        "problems": problems,
        "can_decide": claim.status == S.AWAITING_APPROVAL,
        "limit": payouts.authority_limit(request.user),
        "clock": clock.payment_clock(claim),
        # what the handler heard from the insured, for the approver's judgement (lazy)
        "notes": claim.notes.select_related("by")[:APPROVAL_NOTES_SHOWN],
        "approve_form": forms_.get("approve_form")
        or ApproveForm(initial={"amount": due.amount, "version": claim_version(claim)}),
        "send_back_form": forms_.get("send_back_form") or ReasonForm(prefix="back"),
        "reject_form": forms_.get("reject_form") or ReasonForm(prefix="reject"),
        # an overpayment is not approved but asked back (過払い返還)
        "recovery_problems": payouts.recovery_problems(
            claim=claim, by=request.user, assessment=ca.assessment, due=due
        )
        if due.overpayment and claim.status == S.AWAITING_APPROVAL
        else [],
        "recover_form": forms_.get("recover_form")
        or RecoverForm(prefix="recover", initial={"amount": due.overpayment}),
    }


@login_required
def approval_detail(request, number):
    _require_supervisor(request.user)
    claim = _visible_claim(request, number)
    return render(request, "approvals/detail.html", _approval_context(request, claim))


NEXT_SCAN = 50  # 次の承認待ちへ looks this far down the approval queue


def next_awaiting_claim(*, user, after=None):
    """The first claim in approval-queue order (submitted first) that `user` may approve
    now: four eyes, authority, limits and Q1 all allow it; `after` (a claim number) is
    skipped. None when no such claim is within the first NEXT_SCAN waiting."""
    from coverage.adapters import claim_assessment

    submitted = (
        StatusChange.objects.filter(claim=OuterRef("pk"), to_status=S.AWAITING_APPROVAL)
        .order_by("-at")
        .values("at")[:1]
    )
    candidates = (
        Claim.objects.filter(permissions.visible_claims_q(user))
        .filter(status=S.AWAITING_APPROVAL)
        .exclude(number=after or "")
        .select_related("policy__insured", "policy__plan", "incident", "handler")
        .annotate(submitted_at=Subquery(submitted))
        .order_by("submitted_at", "reported_at", "id")[:NEXT_SCAN]
    )
    for claim in candidates:
        ca = claim_assessment(claim)
        if not payouts.approval_problems(
            claim=claim, by=user, assessment=ca.assessment, usage=ca.usage
        ):
            return claim
    return None


@login_required
@require_GET
def approval_next(request):
    """次の承認待ちへ: the next claim this supervisor may approve, or the queue saying none."""
    _require_supervisor(request.user)
    after = request.GET.get("after", "")[:20]
    claim = next_awaiting_claim(user=request.user, after=after)
    if claim is None:
        messages.info(request, "あなたが承認できる承認待ちの事故は、ほかにありません。")
        return redirect("approvals:queue")
    return redirect("approvals:detail", number=claim.number)


def _decide(request, number, form, action, success, form_key):
    _require_supervisor(request.user)
    claim = _visible_claim(request, number)
    if not form.is_valid():
        return render(
            request,
            "approvals/detail.html",
            _approval_context(request, claim, **{form_key: form}),
            status=400,
        )
    try:
        action(claim, form.cleaned_data)
    except ClaimError as refused:
        messages.error(request, str(refused))
        return redirect("approvals:detail", number=claim.number)
    messages.success(request, success.format(claim=claim))
    return redirect("approvals:detail", number=claim.number)


@login_required
@require_POST
def approve(request, number):
    return _decide(
        request,
        number,
        ApproveForm(request.POST),
        lambda claim, data: payouts.payout_approve(
            claim=claim, by=request.user, amount=data["amount"], version=data["version"]
        ),
        "{claim.number} の支払を承認しました。",
        "approve_form",
    )


@login_required
@require_POST
def send_back(request, number):
    return _decide(
        request,
        number,
        ReasonForm(request.POST, prefix="back"),
        lambda claim, data: payouts.claim_send_back(
            claim=claim, by=request.user, reason=data["reason"]
        ),
        "{claim.number} を担当者へ差し戻しました。",
        "send_back_form",
    )


@login_required
@require_POST
def reject(request, number):
    return _decide(
        request,
        number,
        ReasonForm(request.POST, prefix="reject"),
        lambda claim, data: payouts.claim_reject(
            claim=claim, by=request.user, reason=data["reason"]
        ),
        "{claim.number} を不支払として終了しました。",
        "reject_form",
    )


@login_required
@require_POST
def recover(request, number):
    return _decide(
        request,
        number,
        RecoverForm(request.POST, prefix="recover"),
        lambda claim, data: payouts.recovery_request(
            claim=claim, by=request.user, amount=data["amount"], reason=data["reason"]
        ),
        "{claim.number} の過払いの返還を請求し、事故を終了しました。",
        "recover_form",
    )


# --- payout actions posted from the payout panel (claim page and approval page) --------------


PANEL_FORM_SESSION_KEY = "payout-panel-form"


def _keep_for_panel(request, claim, form) -> None:
    """Keep what was typed into a refused panel form for one redirect: the payout panel binds
    it again and shows each error under its field, with the input still filled in."""
    prefix = f"{form.prefix}-"
    request.session[PANEL_FORM_SESSION_KEY] = {
        "claim": claim.pk,
        "prefix": form.prefix,
        "data": {k: v for k, v in request.POST.items() if k.startswith(prefix)},
    }


def _panel_action(request, number, form, action, success):
    claim = _visible_claim(request, number)
    if not form.is_valid():
        _keep_for_panel(request, claim, form)
        messages.error(request, "入力内容をご確認ください: " + _form_errors(form))
        return _back(request, claim, anchor="payout-panel")
    try:
        action(claim, form.cleaned_data)
    except ClaimError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, success)
    return _back(request, claim)


@login_required
@require_POST
def mark_paid(request, number):
    return _panel_action(
        request,
        number,
        MarkPaidForm(request.POST, prefix="paid"),
        lambda claim, data: payouts.payout_mark_paid(
            claim=claim,
            by=request.user,
            paid_on=data["paid_on"],
            reference=data["reference"],
            override_reason=data["override_reason"],
        ),
        "支払済みとして記録しました。",
    )


@login_required
@require_POST
def reopen(request, number):
    return _panel_action(
        request,
        number,
        ReasonForm(request.POST, prefix="reopen"),
        lambda claim, data: payouts.payout_void_and_reopen(
            claim=claim, by=request.user, reason=data["reason"]
        ),
        "支払承認を取り消し、査定中に戻しました。",
    )


@login_required
@require_POST
def settle_recovery(request, number, pk):
    claim = _visible_claim(request, number)
    recovery = get_object_or_404(Recovery, pk=pk, claim=claim)
    return _panel_action(
        request,
        number,
        SettleRecoveryForm(request.POST, prefix="settle"),
        lambda claim, data: payouts.recovery_settle(
            recovery=recovery,
            by=request.user,
            outcome=data["outcome"],
            on=data["on"],
            note=data["note"],
        ),
        "過払い返還の結果を記録しました。",
    )


@login_required
@require_POST
def extend(request, number):
    return _panel_action(
        request,
        number,
        ExtensionForm(request.POST, prefix="extend"),
        lambda claim, data: (
            payouts.payment_extension_correct if data["correct"] else payouts.payment_extend
        )(claim=claim, by=request.user, new_due_on=data["new_due_on"], reason=data["reason"]),
        "支払期限の延長を記録しました。",
    )
