"""Money leaves the insurer here: approval, send-back, rejection, void-and-reopen, payment
and payment-clock extensions (保険法21条).

Exactly once: `payout_approve` locks the claim row (`select_for_update`), re-checks its
status inside the lock, and the database's `payout_one_unpaid_per_claim` and
`payout_live_sequence_unique` constraints refuse a second payout for the same submission even
if a caller skipped the lock. Every refusal is a `ClaimError` with a Japanese message; an
IntegrityError never escapes to a view.

Supplementary payments (追加支払): a paid claim can be closed and reopened when more comes in
(a client's late damage claim, say). It is then assessed again as a whole, limits and all,
and its next approval pays the difference between that total and what earlier payouts paid,
pot by pot (`next_payment`). Authority limits apply to the claim's cumulative total, so a
large claim cannot be approved in instalments that each fit a small limit.

Overpayments (過払い返還): assessed again below what it was paid in every pot (and below in
one), a claim is not approved but closed with a refund request (`recovery_request`), later
recorded as received or waived (`recovery_settle`). Refunds asked for or received count
against what was paid; waived ones do not.
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.forms.models import model_to_dict
from django.utils import timezone

from claims import permissions
from claims.models import (
    ApprovalAuthority,
    Claim,
    ClientDamage,
    Expense,
    OvertimeEntry,
    PaymentExtension,
    Payout,
    Recovery,
)
from claims.services import ClaimError, claim_transition
from claims.signals import payout_approved

logger = logging.getLogger(__name__)

S = Claim.Status
ITEM_MODELS = (ClientDamage, Expense, OvertimeEntry)


# --- reads the approval page shares with the service ------------------------------------


LIVE = [Payout.Status.APPROVED, Payout.Status.PAID]
# Statuses in which a claim stands decided on its latest live payout.
DECIDED = {S.APPROVED, S.PAID, S.CLOSED}


def live_payout(claim) -> Payout | None:
    """The claim's latest approved or paid payout, if any."""
    return (
        Payout.objects.filter(claim=claim, status__in=LIVE)
        .select_related("approved_by")
        .order_by("-sequence", "-approved_at")
        .first()
    )


def decided_payout(claim) -> Payout | None:
    """The payout the claim stands decided on: its latest live payout while the claim is
    approved, paid or closed. A claim reopened after payment is undecided again: it is shown
    from today's assessment, less what was paid (`next_payment`)."""
    if claim.status not in DECIDED:
        return None
    return live_payout(claim)


def earlier_payout(claim, payout: Payout | None = None) -> Payout | None:
    """The live payout before `payout`; with None, the claim's latest live payout (what an
    undecided, reopened claim was last paid on)."""
    earlier = Payout.objects.filter(claim=claim, status__in=LIVE)
    if payout is not None:
        earlier = earlier.filter(sequence__lt=payout.sequence)
    return earlier.order_by("-sequence").first()


def covered_by_item(payout: Payout) -> dict[tuple[str, int], int]:
    """(section, item pk) -> the amount covered, as `payout` froze it."""
    items = (payout.snapshot or {}).get("items") or {}
    return {
        (section, row.get("pk")): int(row.get("covered") or 0)
        for section, rows in items.items()
        for row in rows or ()
    }


def items_before(claim, payout: Payout | None = None) -> dict[tuple[str, int], int] | None:
    """covered_by_item of the payout before `payout` (see earlier_payout), or None when
    there is none: what item_mark compares against."""
    before = earlier_payout(claim, payout)
    return covered_by_item(before) if before is not None else None


def item_mark(before: dict | None, section: str, pk, covered: int) -> str:
    """How an item stands against the previous payment: new, changed (with the old covered
    amount) or unchanged (""). `before` is items_before(...), or None."""
    if before is None:
        return ""
    if (section, pk) not in before:
        return "今回追加"
    if before[(section, pk)] != covered:
        return f"前回 {before[(section, pk)]:,}円から変更"
    return ""


@dataclass(frozen=True)
class NextPayment:
    """What approving the claim now would pay: its assessed total less earlier payouts."""

    total_payable: int  # the engine's total for the whole claim, limits applied
    previously_paid: int
    previous_liability: int
    previous_expenses: int
    liability: int  # this payment, per pot
    expenses: int
    sequence: int  # 1 for the first payout, 2 for the first supplementary one, ...

    @property
    def amount(self) -> int:
        return self.liability + self.expenses

    @property
    def is_supplementary(self) -> bool:
        return self.sequence > 1

    @property
    def overpaid_liability(self) -> int:
        return max(-self.liability, 0)

    @property
    def overpaid_expenses(self) -> int:
        return max(-self.expenses, 0)

    @property
    def overpayment(self) -> int:
        """What the insured owes back when every pot is assessed at or below what it was
        paid and one below (過払い); 0 otherwise. A mix (one pot up, one down) is not netted."""
        if self.liability <= 0 and self.expenses <= 0 and self.amount < 0:
            return -self.amount
        return 0

    def problem(self) -> str | None:
        """Why nothing (or a negative amount) is payable now, or None."""
        if self.overpayment:
            return (
                f"査定額 {self.total_payable:,}円 が既払額 {self.previously_paid:,}円 を下回って"
                f"います (過払い {self.overpayment:,}円)。支払はできません。"
                "下の「過払いの返還請求」で返還を求めるか、査定を見直してください。"
            )
        if self.liability < 0 or self.expenses < 0:
            pot = "賠償責任" if self.liability < 0 else "費用"
            return (
                f"{pot}の査定額が既払額を下回っています (既払額 {self.previously_paid:,}円)。"
                "もう一方の追加支払と相殺はしません。査定を見直すか、管理者に相談してください。"
            )
        if self.amount <= 0 and self.previously_paid:
            return (
                f"追加でお支払いする金額がありません (査定額 {self.total_payable:,}円、"
                f"既払額 {self.previously_paid:,}円)。追加支払なしとして終了してください。"
            )
        if self.amount <= 0:
            return "支払額が0円のため承認できません。不支払として終了してください。"
        return None


# Refunds that count against what a claim was paid: asked for, or back in. A waived one
# does not (the insured keeps that money).
RECOVERED = [Recovery.Status.REQUESTED, Recovery.Status.RECEIVED]


def next_payment(claim, assessment) -> NextPayment:
    """The payment an approval of `claim` would make now, given the engine's `assessment`:
    the assessed total less what live payouts paid, net of refunds asked for (past-paid
    amounts are per pot; a negative pot is an overpayment, see `overpayment`)."""
    paid = Payout.objects.filter(claim=claim, status__in=LIVE).aggregate(
        n=Count("id"), liability=Sum("liability_amount"), expenses=Sum("expense_amount")
    )
    back = Recovery.objects.filter(claim=claim, status__in=RECOVERED).aggregate(
        liability=Sum("liability_amount"), expenses=Sum("expense_amount")
    )
    liability = (paid["liability"] or 0) - (back["liability"] or 0)
    expenses = (paid["expenses"] or 0) - (back["expenses"] or 0)
    return NextPayment(
        total_payable=assessment.total_payable,
        previously_paid=liability + expenses,
        previous_liability=liability,
        previous_expenses=expenses,
        liability=assessment.liability.payable - liability,
        expenses=assessment.expenses.payable - expenses,
        sequence=paid["n"] + 1,
    )


def four_eyes_conflict(*, claim, user) -> str | None:
    """Why `user` may not approve `claim` (handled it, filed it, entered or changed an item),
    or None. Item history counts too, so a deleted or since-overwritten edit still binds."""
    if claim.handler_id == user.pk:
        return "ご自身が担当している事故は承認できません (四つの目の原則)。"
    if claim.created_by_id == user.pk:
        return "ご自身が登録した事故は承認できません (四つの目の原則)。"
    touched = Q(created_by=user) | Q(updated_by=user)
    for model in ITEM_MODELS:
        if (
            model.objects.filter(claim_id=claim.pk).filter(touched).exists()
            or model.history.filter(claim_id=claim.pk, history_user=user).exists()
        ):
            return (
                f"ご自身が入力・変更した{model._meta.verbose_name}がある事故は承認できません"
                " (四つの目の原則)。"
            )
    return None


def authority_limit(user) -> int | None:
    row = ApprovalAuthority.objects.filter(user=user).only("limit").first()
    return None if row is None else row.limit


def authority_problem(*, user, amount: int, previously_paid: int = 0) -> str | None:
    """Why `user`'s approval authority does not cover `amount`, naming who would, or None.

    `amount` is the claim's cumulative total; `previously_paid` (earlier payouts, part of
    it) only changes the wording."""
    limit = authority_limit(user)
    if limit is None:
        return "承認権限が登録されていないため、承認できません。管理者に承認権限の設定を依頼してください。"
    if amount <= limit:
        return None
    others = (
        ApprovalAuthority.objects.filter(limit__gte=amount, user__is_active=True)
        .exclude(user=user)
        .select_related("user")
        .order_by("limit")
    )
    names = "、".join(
        f"{a.user.get_full_name() or a.user.username} ({a.limit:,}円)" for a in others[:5]
    )
    who = (
        f" 承認できる監督者: {names}"
        if names
        else " 該当する監督者がいません。管理者に相談してください。"
    )
    what = (
        f"累計支払額 {amount:,}円 (既払額 {previously_paid:,}円 を含む)"
        if previously_paid
        else f"支払額 {amount:,}円"
    )
    return (
        f"{what} はあなたの承認権限額 {limit:,}円 を超えています。"
        f"{amount:,}円 以上の承認権限を持つ別の監督者の承認が必要です。{who}"
    )


def pending_items(assessment) -> int:
    """Items the engine holds pending (Q5 evidence missing): the assessment is not final."""
    return sum(1 for i in assessment.items if i.decision == "pending")


def approval_blockers(*, claim, assessment) -> list[str]:
    """Facts of the claim itself that forbid approval, whoever approves (Q7, Q5)."""
    problems = []
    if claim.direct_recovery_elected:
        problems.append(
            "被保険者がクラウド事業者への直接請求を選択しているため (Q7)、承認できません。"
        )
    pending = pending_items(assessment)
    if pending:
        problems.append(f"保留中の項目が {pending} 件あります (Q5 の証憑待ち)。承認できません。")
    return problems


def approval_problems(*, claim, by, assessment, due: NextPayment | None = None) -> list[str]:
    """Every reason `by` may not approve `claim` now; empty means approval is possible.
    `due` is next_payment(claim, assessment) if the caller already has it."""
    problems = []
    if not permissions.is_supervisor(by):
        problems.append("支払の承認は監督者のみが行えます。")
    if claim.status != S.AWAITING_APPROVAL:
        problems.append(
            f"この事故は「{claim.get_status_display()}」です。承認待ちの事故のみ承認できます。"
        )
    blockers = approval_blockers(claim=claim, assessment=assessment)
    problems += blockers
    conflict = four_eyes_conflict(claim=claim, user=by)
    if conflict:
        problems.append(conflict)
    due = due or next_payment(claim, assessment)
    nothing_due = due.problem()
    if nothing_due and not blockers:
        problems.append(nothing_due)
    authority = authority_problem(
        user=by, amount=assessment.total_payable, previously_paid=due.previously_paid
    )
    if authority and permissions.is_supervisor(by):
        problems.append(authority)
    return problems


# --- the snapshot ----------------------------------------------------------------------


def snapshot_rows(snapshot: dict, before: dict | None = None) -> list[dict]:
    """The frozen items of a payout's snapshot, each with its engine decision, for display;
    with `before` (covered_by_item of the previous payout) each also says if it is new or
    changed since."""
    from coverage import vocab

    decisions = {i["id"]: i for i in snapshot.get("assessment", {}).get("items", [])}
    prefix = {"damages": "d", "expenses": "e", "overtime": "o"}
    out = []
    for section, rows in snapshot.get("items", {}).items():
        for row in rows:
            d = decisions.get(f"{prefix.get(section, '')}{row.get('pk')}", {})
            if section == "damages":
                text = f"{row.get('client_name', '')} {row.get('description', '')}"
            elif section == "expenses":
                category = row.get("category", "")
                text = f"{vocab.EXPENSE_CATEGORIES.get(category, category)} {row.get('description', '')}"
            else:
                text = f"{row.get('employee', '')} {row.get('minutes', '')}分"
            out.append(
                {
                    "section": {"damages": "損害", "expenses": "費用", "overtime": "超過勤務"}.get(
                        section, section
                    ),
                    "text": text.strip(),
                    "amount": d.get("amount"),
                    "decision": d.get("decision", row.get("decision")),
                    "reasons": d.get("reasons", row.get("reasons", [])),
                    "missing": d.get("missing", []),
                    "covered": d.get("covered", row.get("covered")),
                    "mark": item_mark(
                        before,
                        section,
                        row.get("pk"),
                        int(d.get("covered", row.get("covered")) or 0),
                    ),
                }
            )
    return out


def _jsonable(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _snapshot(claim, ca, due: NextPayment) -> dict:
    """The assessment (the engine's JSON), the item rows exactly as they are now, and how
    this payment follows from the total and earlier payouts."""

    def rows(pairs):
        out = []
        for row, decision in pairs:
            data = model_to_dict(row, exclude=["claim"])
            data["pk"] = row.pk
            data["decision"] = decision.decision
            data["reasons"] = list(decision.reasons)
            data["covered"] = decision.covered
            out.append(data)
        return out

    plan = claim.policy.plan
    return _jsonable(
        {
            "assessment": ca.assessment.to_json_dict(),
            "items": {
                "damages": rows(ca.damages),
                "expenses": rows(ca.expenses),
                "overtime": rows(ca.overtime),
            },
            "plan": {
                "code": plan.code,
                "name": plan.name,
                "liability_limit": plan.liability_limit,
                "expense_limit": plan.expense_limit,
            },
            "claim": {
                "number": claim.number,
                "insured": claim.policy.insured.name,
                "direct_recovery_elected": claim.direct_recovery_elected,
                "incident_leak_or_threat": claim.incident.leak_or_threat,
            },
            "payment": {
                "sequence": due.sequence,
                "total_payable": due.total_payable,
                "previously_paid": due.previously_paid,
                "previous_liability": due.previous_liability,
                "previous_expenses": due.previous_expenses,
                "liability": due.liability,
                "expenses": due.expenses,
                "amount": due.amount,
            },
            "taken_at": timezone.now(),
        }
    )


def _queue_settlement_pdf(claim_pk: int, user_pk: int):
    """After commit: announce the approval; the documents app queues the settlement summary
    PDF (claims.signals.payout_approved, received in documents/receivers.py)."""
    from django.contrib.auth import get_user_model

    claim = Claim.objects.get(pk=claim_pk)
    user = get_user_model().objects.get(pk=user_pk)
    payout_approved.send(sender=Claim, claim=claim, by=user)


def _lock(claim) -> Claim:
    try:
        return (
            Claim.objects.select_for_update(of=("self",))
            .select_related("policy__plan", "policy__insured", "incident")
            .get(pk=claim.pk)
        )
    except Claim.DoesNotExist as exc:
        raise ClaimError("事故が見つかりません。") from exc


# --- services --------------------------------------------------------------------------


def payout_approve(*, claim, by, amount) -> Payout:
    """Approve the claim's payable amount, once, freezing the assessment with the payout.

    `amount` is what the supervisor saw and confirmed; if the claim changed since (so the
    engine now says otherwise) the approval is refused rather than paying a stale figure.
    """
    from coverage.adapters import claim_assessment

    try:
        amount = int(amount)
    except (TypeError, ValueError) as exc:
        raise ClaimError("承認額が正しくありません。") from exc
    if not permissions.is_supervisor(by):
        raise ClaimError("支払の承認は監督者のみが行えます。")
    try:
        with transaction.atomic():
            locked = _lock(claim)
            if locked.status != S.AWAITING_APPROVAL:
                raise ClaimError(
                    f"この事故は既に「{locked.get_status_display()}」です。"
                    "承認待ちの事故のみ承認できます。"
                )
            unpaid = Payout.objects.filter(claim=locked, status=Payout.Status.APPROVED).first()
            if unpaid is not None:
                raise ClaimError(
                    f"この事故には既に未払いの支払承認 ({unpaid.amount:,}円) があります。"
                    "二重に承認することはできません。"
                )
            ca = claim_assessment(locked)
            assessment = ca.assessment
            problems = approval_blockers(claim=locked, assessment=assessment)
            conflict = four_eyes_conflict(claim=locked, user=by)
            if conflict:
                problems.append(conflict)
            if problems:
                raise ClaimError(" ".join(problems))
            due = next_payment(locked, assessment)
            if amount != due.amount:
                raise ClaimError(
                    f"承認しようとした金額 {amount:,}円 は現在の"
                    f"{'追加支払額' if due.is_supplementary else '査定額'} {due.amount:,}円 と"
                    "異なります。事故の内容が変更されています。"
                    "最新の査定を確認してから承認してください。"
                )
            nothing_due = due.problem()
            if nothing_due:
                raise ClaimError(nothing_due)
            problem = authority_problem(
                user=by, amount=assessment.total_payable, previously_paid=due.previously_paid
            )
            if problem:
                raise ClaimError(problem)
            payout = Payout(
                claim=locked,
                sequence=due.sequence,
                amount=due.amount,
                liability_amount=due.liability,
                expense_amount=due.expenses,
                previously_paid=due.previously_paid,
                snapshot=_snapshot(locked, ca, due),
                approved_by=by,
            )
            payout._history_user = by
            try:
                payout.full_clean()
            except ValidationError as exc:
                raise ClaimError("この事故には既に有効な支払承認があります。") from exc
            with transaction.atomic():  # a savepoint: the constraint is the last word
                payout.save()
            reason = f"追加支払の承認 (第{due.sequence}回)" if due.is_supplementary else "支払承認"
            claim_transition(claim=locked, to=S.APPROVED, by=by, reason=reason)
            transaction.on_commit(lambda: _queue_settlement_pdf(locked.pk, by.pk), robust=True)
    except IntegrityError as exc:
        raise ClaimError("この事故は既に他の監督者が承認しました。") from exc
    claim.refresh_from_db()
    return payout


def _require_reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ClaimError("理由を入力してください。")
    return reason


def _require_supervisor(by, what):
    if not (permissions.is_supervisor(by) or permissions.is_admin(by)):
        raise ClaimError(f"{what}は監督者のみが行えます。")


@transaction.atomic
def claim_send_back(*, claim, by, reason) -> Claim:
    """Return an awaiting claim to the handler for more assessment, with the reason."""
    reason = _require_reason(reason)
    _require_supervisor(by, "差戻し")
    locked = _lock(claim)
    if locked.status != S.AWAITING_APPROVAL:
        raise ClaimError(f"この事故は「{locked.get_status_display()}」のため差し戻せません。")
    claim_transition(claim=locked, to=S.UNDER_ASSESSMENT, by=by, reason=reason)
    claim.refresh_from_db()
    return claim


@transaction.atomic
def claim_reject(*, claim, by, reason) -> Claim:
    """Refuse payment and close the claim, with the reason."""
    reason = _require_reason(reason)
    _require_supervisor(by, "不支払の決定")
    locked = _lock(claim)
    if locked.status != S.AWAITING_APPROVAL:
        raise ClaimError(f"この事故は「{locked.get_status_display()}」のため終了できません。")
    claim_transition(claim=locked, to=S.CLOSED, by=by, reason=reason)
    claim.refresh_from_db()
    return claim


def recovery_problems(*, claim, by, assessment, due: NextPayment | None = None) -> list[str]:
    """Every reason `by` may not ask for the claim's overpayment back now; empty: possible.
    Pending evidence blocks it (the assessment is not final); a Q7 election does not: it is
    the usual reason the insured owes the money back."""
    problems = []
    if not permissions.is_supervisor(by):
        problems.append("返還請求は監督者のみが行えます。")
    if claim.status != S.AWAITING_APPROVAL:
        problems.append(f"この事故は「{claim.get_status_display()}」です。承認待ちの事故のみです。")
    pending = pending_items(assessment)
    if pending:
        problems.append(f"保留中の項目が {pending} 件あります (Q5 の証憑待ち)。")
    conflict = four_eyes_conflict(claim=claim, user=by)
    if conflict:
        problems.append(conflict)
    due = due or next_payment(claim, assessment)
    if not due.overpayment:
        problems.append("過払いはありません (返還請求の対象外です)。")
    if Recovery.objects.filter(claim=claim, status=Recovery.Status.REQUESTED).exists():
        problems.append("この事故には未完了の返還請求があります。")
    return problems


def recovery_request(*, claim, by, amount, reason) -> Recovery:
    """Ask the insured to refund an overpayment, once, and close the claim.

    `amount` is the figure the supervisor saw; a claim changed since is refused. The refund
    is per pot (what each pot was paid above its new assessment)."""
    from coverage.adapters import claim_assessment

    reason = _require_reason(reason)
    try:
        amount = int(amount)
    except (TypeError, ValueError) as exc:
        raise ClaimError("返還請求額が正しくありません。") from exc
    try:
        with transaction.atomic():
            locked = _lock(claim)
            assessment = claim_assessment(locked).assessment
            due = next_payment(locked, assessment)
            problems = recovery_problems(claim=locked, by=by, assessment=assessment, due=due)
            if problems:
                raise ClaimError(" ".join(problems))
            if amount != due.overpayment:
                raise ClaimError(
                    f"返還請求しようとした金額 {amount:,}円 は現在の過払い額 "
                    f"{due.overpayment:,}円 と異なります。最新の査定を確認してください。"
                )
            recovery = Recovery(
                claim=locked,
                amount=due.overpayment,
                liability_amount=-due.liability,
                expense_amount=-due.expenses,
                reason=reason,
                requested_by=by,
            )
            recovery._history_user = by
            recovery.full_clean()
            with transaction.atomic():
                recovery.save()
            claim_transition(
                claim=locked,
                to=S.CLOSED,
                by=by,
                reason=f"過払い返還請求 {due.overpayment:,}円: {reason}",
            )
    except IntegrityError as exc:
        raise ClaimError("この事故には既に返還請求があります。") from exc
    claim.refresh_from_db()
    return recovery


@transaction.atomic
def recovery_settle(*, recovery, by, outcome, on, note) -> Recovery:
    """Record an open refund request as received (on a date, with the bank reference) or
    waived (with the reason): supervisors only, once."""
    _require_supervisor(by, "返還の記録")
    on = _as_date(on, "日付")
    note = (note or "").strip()
    if outcome not in (Recovery.Status.RECEIVED, Recovery.Status.WAIVED):
        raise ClaimError("記録する結果を選んでください。")
    if outcome == Recovery.Status.WAIVED and not note:
        raise ClaimError("免除の理由を入力してください。")
    if on > timezone.localdate():
        raise ClaimError("未来の日付は記録できません。")
    locked = Recovery.objects.select_for_update().get(pk=recovery.pk)
    if locked.status != Recovery.Status.REQUESTED:
        raise ClaimError(f"この返還請求は既に「{locked.get_status_display()}」です。")
    locked.status = outcome
    locked.settled_by, locked.settled_on, locked.settled_note = by, on, note[:300]
    locked._history_user = by
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def payout_void_and_reopen(*, claim, by, reason) -> Payout:
    """Void an approved (unpaid) payout and reopen the claim for assessment."""
    reason = _require_reason(reason)
    _require_supervisor(by, "承認の取消")
    locked = _lock(claim)
    if locked.status != S.APPROVED:
        raise ClaimError(
            f"この事故は「{locked.get_status_display()}」です。承認済み (未払い) の事故のみ"
            "承認を取り消して再査定にできます。"
        )
    payout = (
        Payout.objects.select_for_update()
        .filter(claim=locked, status=Payout.Status.APPROVED)
        .first()
    )
    if payout is None:
        raise ClaimError("取り消す支払承認が見つかりません。")
    payout.status = Payout.Status.VOIDED
    payout.voided_by = by
    payout.voided_at = timezone.now()
    payout.void_reason = reason
    payout.full_clean()
    payout._change_reason = reason
    payout._history_user = by
    payout.save()
    claim_transition(claim=locked, to=S.UNDER_ASSESSMENT, by=by, reason=f"支払承認を取消: {reason}")
    claim.refresh_from_db()
    return payout


def _as_date(value, field_label) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError) as exc:
        raise ClaimError(f"{field_label}を正しい日付で入力してください。") from exc


@transaction.atomic
def payout_mark_paid(*, claim, by, paid_on, reference) -> Payout:
    """Record that the approved amount was paid (date and bank reference); the claim is paid."""
    _require_supervisor(by, "支払の記録")
    paid_on = _as_date(paid_on, "支払日")
    reference = (reference or "").strip()
    if not reference:
        raise ClaimError("支払参照番号 (振込番号など) を入力してください。")
    if len(reference) > 100:
        raise ClaimError("支払参照番号は100文字以内で入力してください。")
    locked = _lock(claim)
    if locked.status != S.APPROVED:
        raise ClaimError(
            f"この事故は「{locked.get_status_display()}」です。承認済みの事故のみ支払済みにできます。"
        )
    payout = (
        Payout.objects.select_for_update()
        .filter(claim=locked, status=Payout.Status.APPROVED)
        .first()
    )
    if payout is None:
        raise ClaimError("支払承認が見つかりません。")
    if paid_on > timezone.localdate():
        raise ClaimError("支払日に未来の日付は入力できません。")
    if paid_on < timezone.localtime(payout.approved_at).date():
        raise ClaimError("支払日は承認日より前にできません。")
    payout.status = Payout.Status.PAID
    payout.paid_on = paid_on
    payout.payment_reference = reference
    payout.full_clean()
    payout._history_user = by
    payout.save()
    locked.paid_on = paid_on
    locked._history_user = by
    locked.save(update_fields=["paid_on", "updated_at"])
    claim_transition(claim=locked, to=S.PAID, by=by, reason=f"支払済み (参照番号 {reference})")
    claim.refresh_from_db()
    return payout


@transaction.atomic
def payment_extend(*, claim, by, new_due_on, reason) -> PaymentExtension:
    """Record the written notice that more investigation is needed: a later due date."""
    reason = _require_reason(reason)
    new_due_on = _as_date(new_due_on, "新しい支払期限")
    if not (permissions.can_edit(by, claim) or permissions.is_supervisor(by)):
        raise ClaimError("この事故の支払期限を延長する権限がありません。")
    locked = _lock(claim)
    if locked.status in {S.PAID, S.CLOSED, S.WITHDRAWN, S.DRAFT}:
        raise ClaimError(f"「{locked.get_status_display()}」の事故の支払期限は延長できません。")
    if locked.payment_due_on is None:
        raise ClaimError("書類が揃っていないため、支払期限はまだ始まっていません。")
    if new_due_on <= locked.payment_due_on:
        raise ClaimError(
            f"新しい支払期限は現在の期限 ({locked.payment_due_on:%Y年%m月%d日}) より後の日付にしてください。"
        )
    extension = PaymentExtension(claim=locked, new_due_on=new_due_on, reason=reason, by=by)
    extension.full_clean()
    extension.save()
    locked.payment_due_on = new_due_on
    locked._change_reason = f"支払期限の延長: {reason}"
    locked._history_user = by
    locked.save(update_fields=["payment_due_on", "updated_at"])
    claim.refresh_from_db()
    return extension
