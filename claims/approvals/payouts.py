"""Money leaves the insurer here: approval, send-back, rejection, void-and-reopen, payment
and payment-clock extensions (保険法21条).

Exactly once: `payout_approve` locks the claim row (`select_for_update`), re-checks its
status inside the lock, and the database's `payout_one_unpaid_per_claim` and
`payout_live_sequence_unique` constraints refuse a second payout for the same submission even
if a caller skipped the lock. Every refusal is a `ClaimError` with a Japanese message; an
IntegrityError never escapes to a view.

Limits per policy (Q6, claims.approvals.policy_limits): a claim is assessed against what its policy
has left after its other claims' live payouts. Every service that creates, voids or refunds
a payout locks the policy row first, then the claim row (always in that order), so
approvals on one policy are serialized and each recomputes what is due under the lock.
Authority is judged on the policy's total: its other claims' payouts plus this claim's.

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
from django.db.models import Count, Sum
from django.forms.models import model_to_dict
from django.utils import timezone

from claims import permissions
from claims.approvals.policy_limits import lock_policy
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
from claims.reassess import sibling_payout_changed
from claims.services import ClaimError, claim_transition
from claims.signals import payout_approved, payout_paid
from claimsdesk.display import person_name

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


def four_eyes_conflict(*, claim, user, action: str = "承認") -> str | None:
    """Why `user` may not take the money decision `action` on `claim` (they handled it
    ever, filed it, changed its facts or items, uploaded its documents, sent it to approval,
    asked a refund of it), or None. One answer for every money action: claims.approvals.four_eyes."""
    from claims.approvals import four_eyes

    return four_eyes.four_eyes_conflict(claim=claim, user=user, action=action)


def authority_limit(user) -> int | None:
    row = ApprovalAuthority.objects.filter(user=user).only("limit").first()
    return None if row is None else row.limit


def authority_problem(
    *, user, amount: int, previously_paid: int = 0, others_paid: int = 0, others: str = ""
) -> str | None:
    """Why `user`'s approval authority does not cover `amount`, naming who would, or None.

    `amount` is the claim's cumulative total; `previously_paid` (earlier payouts, part of
    it) only changes the wording. Authority follows the policy (issue 15 item 8):
    `others_paid`, what the policy's other claims were paid (`others`: their numbers), is
    added, so a loss split into several claims needs the authority its total needs."""
    limit = authority_limit(user)
    if limit is None:
        return "承認権限が登録されていないため、承認できません。管理者に承認権限の設定を依頼してください。"
    total = amount + others_paid
    if total <= limit:
        return None
    others_q = (
        ApprovalAuthority.objects.filter(limit__gte=total, user__is_active=True)
        .exclude(user=user)
        .select_related("user")
        .order_by("limit")
    )
    names = "、".join(f"{person_name(a.user)} ({a.limit:,}円)" for a in others_q[:5])
    who = (
        f" 承認できる監督者: {names}"
        if names
        else " 該当する監督者がいません。管理者に相談してください。"
    )
    if others_paid:
        what = (
            f"この証券の累計支払額 {total:,}円 (この事故の{'累計' if previously_paid else ''}"
            f"査定額 {amount:,}円 + 他の事故{' ' + others + ' ' if others else ''}の既払額 "
            f"{others_paid:,}円)"
        )
        policy_note = (
            " 承認権限は証券ごとの累計で判定します (一つの損害を複数の事故に分けても、"
            "合計額に見合う権限が必要です)。"
        )
    elif previously_paid:
        what = f"累計支払額 {amount:,}円 (既払額 {previously_paid:,}円 を含む)"
        policy_note = ""
    else:
        what = f"支払額 {amount:,}円"
        policy_note = ""
    return (
        f"{what} はあなたの承認権限額 {limit:,}円 を超えています。{policy_note}"
        f"{total:,}円 以上の承認権限を持つ別の監督者の承認が必要です。{who}"
    )


def policy_authority_problem(*, user, claim, assessment, due, usage=None) -> str | None:
    """authority_problem on the policy's total: this claim's cumulative assessment plus
    what the policy's other claims were paid (net of refunds)."""
    if usage is None:
        from coverage.adapters import policy_usage

        usage = policy_usage(claim)
    return authority_problem(
        user=user,
        amount=assessment.total_payable,
        previously_paid=due.previously_paid,
        others_paid=usage.used_total,
        others=usage.other_numbers(),
    )


def limit_exhausted(usage, assessment, due) -> str | None:
    """When nothing is due because the policy's other claims used up its limits: say so."""
    if usage is None or due.amount > 0 or due.overpayment or not usage.any_used:
        return None
    cuts = [row for row in usage.pots(assessment) if row["reduced"]]
    if not cuts:
        return None
    return (
        "この証券の限度額は他の事故の支払で使い切られているため、支払額は0円です。"
        + " ".join(row["why"] for row in cuts)
        + " 不支払として終了してください。"
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


def approval_problems(
    *, claim, by, assessment, due: NextPayment | None = None, usage=None
) -> list[str]:
    """Every reason `by` may not approve `claim` now; empty means approval is possible.
    `due` is next_payment(claim, assessment) and `usage` the policy's usage by other claims
    (claims.approvals.policy_limits) if the caller already has them."""
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
    if usage is None:
        from coverage.adapters import policy_usage

        usage = policy_usage(claim)
    nothing_due = limit_exhausted(usage, assessment, due) or due.problem()
    if nothing_due and not blockers:
        problems.append(nothing_due)
    authority = policy_authority_problem(
        user=by, claim=claim, assessment=assessment, due=due, usage=usage
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
            cut = {}
            if section == "damages":
                claimed, recognized = row.get("claimed"), row.get("recognized")
                cut = {
                    "claimed": claimed,
                    "recognized": recognized,
                    "cut": max(int(claimed or 0) - int(recognized or 0), 0),
                    "cut_reason": vocab.cut_reason_text(
                        row.get("cut_reason_code", ""), row.get("cut_reason", "")
                    ),
                }
            out.append(
                {
                    **cut,
                    "section_code": section,
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
                # the sub-limits in force, so the page and the PDF show them as decided
                "sublimits": {s.category: s.limit for s in plan.sublimits.all()},
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
            # the policy's limits, what its other claims had used, and this claim's
            # payment per expense category (claims.approvals.policy_limits reads it for sub-limits)
            "policy_limits": ca.usage.to_json(ca.assessment) if ca.usage is not None else None,
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


def _why_changed(ca) -> str:
    """The approval's amount moved: say whether the policy's other claims took its limit."""
    cuts = ca.limit_cuts
    if cuts:
        return "同じ証券の他の事故の支払により限度額の残りが減りました。" + " ".join(
            row["why"] for row in cuts
        )
    return "事故の内容が変更されています。"


def _lock(claim) -> Claim:
    """Lock the claim's policy, then the claim (the one lock order of every money service:
    approve, send back, reject, refunds, void, mark paid, extensions)."""
    lock_policy(claim)
    try:
        return (
            Claim.objects.select_for_update(of=("self",))
            .select_related("policy__plan", "policy__insured", "incident")
            .get(pk=claim.pk)
        )
    except Claim.DoesNotExist as exc:
        raise ClaimError("事故が見つかりません。") from exc


# --- services --------------------------------------------------------------------------


def payout_approve(*, claim, by, amount, version: str | None = None) -> Payout:
    """Approve the claim's payable amount, once, freezing the assessment with the payout.

    `amount` is what the supervisor saw and confirmed; if the claim changed since (so the
    engine now says otherwise) the approval is refused rather than paying a stale figure.
    `version` (claims.approvals.versions.claim_version of the page they read; the approval form always
    sends it) binds the approval to everything they saw: a claim changed since, even to the
    same total, or sent back and sent again, is refused.
    """
    from claims.approvals.versions import CHANGED, claim_version
    from coverage.adapters import claim_assessment

    try:
        amount = int(amount)
    except (TypeError, ValueError) as exc:
        raise ClaimError("承認額が正しくありません。") from exc
    if not permissions.is_supervisor(by):
        raise ClaimError("支払の承認は監督者のみが行えます。")
    try:
        with transaction.atomic():
            # Policy first, then the claim: approvals on one policy are serialized, so the
            # limits its other claims left are read after every earlier approval committed.
            locked = _lock(claim)  # the policy first, then the claim
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
            if version is not None and version != claim_version(locked):
                raise ClaimError(CHANGED)
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
                    f"異なります。{_why_changed(ca)}"
                    "最新の査定を確認してから承認してください。"
                )
            nothing_due = limit_exhausted(ca.usage, assessment, due) or due.problem()
            if nothing_due:
                raise ClaimError(nothing_due)
            problem = policy_authority_problem(
                user=by, claim=locked, assessment=assessment, due=due, usage=ca.usage
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
            sibling_payout_changed(claim=locked, what="支払承認", by=by)
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
    conflict = four_eyes_conflict(claim=locked, user=by, action="差戻し")
    if conflict:
        raise ClaimError(conflict)
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
    conflict = four_eyes_conflict(claim=claim, user=by, action="返還請求")
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
            locked = _lock(claim)  # a refund frees limit for the policy's other claims
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
            sibling_payout_changed(claim=locked, what="過払い返還請求", by=by)
    except IntegrityError as exc:
        raise ClaimError("この事故には既に返還請求があります。") from exc
    claim.refresh_from_db()
    return recovery


def waiver_problem(*, recovery, by) -> str | None:
    """Why `by` may not waive `recovery` (免除: the insured keeps the money, a money decision
    like an approval): supervisors only, four eyes against whoever asked for it and the
    claim's history, and the amount within their approval authority."""
    if not permissions.is_supervisor(by):
        return "返還の免除は監督者のみが行えます。"
    conflict = four_eyes_conflict(claim=recovery.claim, user=by, action="返還の免除")
    if conflict:
        return conflict
    limit = authority_limit(by)
    if limit is None:
        return "承認権限が登録されていないため、返還を免除できません。"
    if recovery.amount > limit:
        return (
            f"免除額 {recovery.amount:,}円 はあなたの承認権限額 {limit:,}円 を超えています。"
            "権限を持つ別の監督者が免除してください。"
        )
    return None


@transaction.atomic
def recovery_settle(*, recovery, by, outcome, on, note) -> Recovery:
    """Record an open refund request as received (on a date, with the bank reference) or
    waived (with the reason, see waiver_problem), once. The claim row is locked first, as
    an approval locks it: a waiver changes what the claim's next approval pays."""
    _require_supervisor(by, "返還の記録")
    on = _as_date(on, "日付")
    note = (note or "").strip()
    if outcome not in (Recovery.Status.RECEIVED, Recovery.Status.WAIVED):
        raise ClaimError("記録する結果を選んでください。")
    if outcome == Recovery.Status.WAIVED and not note:
        raise ClaimError("免除の理由を入力してください。")
    if on > timezone.localdate():
        raise ClaimError("未来の日付は記録できません。")
    claim = _lock(recovery.claim)  # received or waived changes what the policy has left
    locked = Recovery.objects.select_for_update().get(pk=recovery.pk)
    if locked.status != Recovery.Status.REQUESTED:
        raise ClaimError(f"この返還請求は既に「{locked.get_status_display()}」です。")
    if outcome == Recovery.Status.WAIVED:
        locked.claim = claim
        problem = waiver_problem(recovery=locked, by=by)
        if problem:
            raise ClaimError(problem)
    locked.status = outcome
    locked.settled_by, locked.settled_on, locked.settled_note = by, on, note[:300]
    locked._history_user = by
    locked.full_clean()
    locked.save()
    sibling_payout_changed(
        claim=locked.claim, what=f"返還の記録 ({locked.get_status_display()})", by=by
    )
    return locked


@transaction.atomic
def payout_void_and_reopen(*, claim, by, reason) -> Payout:
    """Void an approved (unpaid) payout and reopen the claim for assessment."""
    reason = _require_reason(reason)
    _require_supervisor(by, "承認の取消")
    locked = _lock(claim)  # voiding frees limit for the policy's other claims
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
    _refuse_if_in_batch(payout, "承認を取り消して")
    payout.status = Payout.Status.VOIDED
    payout.voided_by = by
    payout.voided_at = timezone.now()
    payout.void_reason = reason
    payout.full_clean()
    payout._change_reason = reason
    payout._history_user = by
    payout.save()
    claim_transition(claim=locked, to=S.UNDER_ASSESSMENT, by=by, reason=f"支払承認を取消: {reason}")
    sibling_payout_changed(claim=locked, what="支払承認の取消", by=by)
    claim.refresh_from_db()
    return payout


def _refuse_if_in_batch(payout, what: str) -> None:
    """A payout in a live 総合振込 batch is the payer's: the bank may be paying it from the
    file. Voiding it or marking it paid by hand is refused until the batch is cancelled."""
    from payments.models import BatchItem

    item = BatchItem.objects.filter(payout=payout, live=True).select_related("batch").first()
    if item is not None:
        raise ClaimError(
            f"この支払は振込バッチ {item.batch_id} (振込指定日 {item.batch.transfer_date:%Y年%m月%d日}、"
            f"{item.batch.get_status_display()}) に入っています。支払担当にバッチを取り消して"
            f"もらってから、{what}ください。"
        )


def _as_date(value, field_label) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError) as exc:
        raise ClaimError(f"{field_label}を正しい日付で入力してください。") from exc


def claim_documents_missing(claim) -> list:
    """The Q1 claim documents (保険金請求書類: 保険金請求書, 示談書 or 示談確認書, 支払明細)
    not yet on file for `claim`: documents.checklist items, empty when all are in."""
    from documents.checklist import STAGE_CLAIM, claim_checklist

    return [i for i in claim_checklist(claim).stage(STAGE_CLAIM).items if not i.satisfied]


@transaction.atomic
def payout_mark_paid(*, claim, by, paid_on, reference, override_reason: str = "") -> Payout:
    """Record that the approved amount was paid (date and bank reference); the claim is paid.

    Q1 pays against the claim documents (保険金請求書類): with any missing, a supervisor
    must give `override_reason`, recorded with who and when (ChecklistOverride)."""
    from claims.services import missing_documents_text, record_checklist_override
    from documents.checklist import STAGE_CLAIM

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
    conflict = four_eyes_conflict(claim=locked, user=by, action="支払済みの記録")
    if conflict:
        raise ClaimError(conflict)
    payout = (
        Payout.objects.select_for_update()
        .filter(claim=locked, status=Payout.Status.APPROVED)
        .first()
    )
    if payout is None:
        raise ClaimError("支払承認が見つかりません。")
    _refuse_if_in_batch(payout, "支払済みにして")
    if paid_on > timezone.localdate():
        raise ClaimError("支払日に未来の日付は入力できません。")
    if paid_on < timezone.localtime(payout.approved_at).date():
        raise ClaimError("支払日は承認日より前にできません。")
    reason = f"支払済み (参照番号 {reference})"
    missing = claim_documents_missing(locked)
    if missing:
        if not (override_reason or "").strip():
            raise ClaimError(
                f"保険金請求書類 (Q1) が揃っていません: {missing_documents_text(missing)}。"
                "書類を登録してから支払済みにするか、監督者として理由を記入して例外として"
                "支払済みにしてください。"
            )
        reason += " " + record_checklist_override(
            claim=locked, stage=STAGE_CLAIM, missing=missing, by=by, reason=override_reason
        )
    record_paid(
        claim=locked, payout=payout, by=by, paid_on=paid_on, reference=reference, reason=reason
    )
    transaction.on_commit(lambda: _queue_payment_letter(payout.pk, by.pk), robust=True)
    claim.refresh_from_db()
    return payout


def record_paid(*, claim, payout, by, paid_on, reference, reason) -> None:
    """The one step that turns an approved payout into a paid one, for a single claim
    (payout_mark_paid) and for a 総合振込 batch (payments.services.batch_mark_paid): the
    claim and the payout locked by the caller (policy, then claim, then payout), both still
    approved, the date neither in the future nor before the approval, four eyes on the
    claim's whole history; then the payout carries the date and reference and the claim moves
    to 支払済み (its 30-day clock stops). The caller checks the Q1 claim documents and sends
    payout_paid after commit."""
    if payout.status != Payout.Status.APPROVED or claim.status != S.APPROVED:
        raise ClaimError("承認済み (未払い) の支払ではありません。")
    if paid_on > timezone.localdate():
        raise ClaimError("支払日に未来の日付は入力できません。")
    if paid_on < timezone.localtime(payout.approved_at).date():
        raise ClaimError("支払日は承認日より前にできません。")
    conflict = four_eyes_conflict(claim=claim, user=by, action="支払済みの記録")
    if conflict:
        raise ClaimError(conflict)
    payout.status = Payout.Status.PAID
    payout.paid_on = paid_on
    payout.payment_reference = reference
    payout.full_clean()
    payout._history_user = by
    payout.save()
    claim.paid_on = paid_on
    claim._history_user = by
    claim.save(update_fields=["paid_on", "updated_at"])
    claim_transition(claim=claim, to=S.PAID, by=by, reason=reason)


def _queue_payment_letter(payout_pk: int, user_pk: int):
    """After commit: the insured's 保険金お支払のご案内 for the payout just paid
    (claims.signals.payout_paid, received in documents/receivers.py)."""
    from django.contrib.auth import get_user_model

    payout = Payout.objects.select_related("claim").get(pk=payout_pk)
    payout_paid.send(sender=Payout, payout=payout, by=get_user_model().objects.get(pk=user_pk))


# 保険法21条 allows a later payment only for the investigations it lists (and the policy
# repeats), each with its own outer limit; the longest is 180 days after the documents
# were complete. An extension beyond that, or one without a reason a reader can check, is
# no extension.
EXTENSION_MAX_DAYS = 180
EXTENSION_REASON_MIN = 10
CORRECTION_PREFIX = "【訂正】"


def statutory_due_on(claim) -> datetime.date | None:
    """The due date the law sets: 30 days after the documents were complete."""
    from claims import clock

    if claim.documents_complete_on:
        return clock.due_date(claim.documents_complete_on)
    return claim.payment_due_on


def _extension_checks(locked, by, new_due_on, reason, what) -> tuple[str, datetime.date]:
    reason = _require_reason(reason)
    new_due_on = _as_date(new_due_on, "新しい支払期限")
    if not permissions.is_supervisor(by):
        raise ClaimError(f"支払期限の{what}は監督者のみが行えます。")
    if len(reason) < EXTENSION_REASON_MIN:
        raise ClaimError(
            f"{what}の理由は、必要な調査の内容と理由を {EXTENSION_REASON_MIN} 文字以上で"
            "具体的に入力してください (保険法21条)。"
        )
    if locked.status in {S.PAID, S.CLOSED, S.WITHDRAWN, S.DRAFT}:
        raise ClaimError(f"「{locked.get_status_display()}」の事故の支払期限は{what}できません。")
    if locked.payment_due_on is None:
        raise ClaimError("書類が揃っていないため、支払期限はまだ始まっていません。")
    statutory = statutory_due_on(locked)
    latest = statutory + datetime.timedelta(days=EXTENSION_MAX_DAYS)
    if new_due_on > latest:
        raise ClaimError(
            f"支払期限は法定の期限 ({statutory:%Y年%m月%d日}) から {EXTENSION_MAX_DAYS} 日以内"
            f" ({latest:%Y年%m月%d日}まで) にしてください。"
        )
    return reason, new_due_on


def _record_extension(locked, claim, by, new_due_on, reason, change_reason):
    extension = PaymentExtension(claim=locked, new_due_on=new_due_on, reason=reason, by=by)
    extension.full_clean()
    extension.save()
    locked.payment_due_on = new_due_on
    locked._change_reason = change_reason
    locked._history_user = by
    locked.save(update_fields=["payment_due_on", "updated_at"])
    claim.refresh_from_db()
    return extension


@transaction.atomic
def payment_extend(*, claim, by, new_due_on, reason) -> PaymentExtension:
    """Record the written notice that more investigation is needed: a later due date.

    A supervisor's decision, with a reason of substance, at most EXTENSION_MAX_DAYS after
    the statutory due date."""
    locked = _lock(claim)
    reason, new_due_on = _extension_checks(locked, by, new_due_on, reason, "延長")
    if new_due_on <= locked.payment_due_on:
        raise ClaimError(
            f"新しい支払期限は現在の期限 ({locked.payment_due_on:%Y年%m月%d日}) より後の日付にしてください。"
        )
    return _record_extension(locked, claim, by, new_due_on, reason, f"支払期限の延長: {reason}")


@transaction.atomic
def payment_extension_correct(*, claim, by, new_due_on, reason) -> PaymentExtension:
    """A supervisor corrects a wrong extension: a new extension row (marked 【訂正】) sets
    the due date again, earlier or later, never before the statutory date; the wrong one
    stays in the history with who corrected it and why."""
    locked = _lock(claim)
    reason, new_due_on = _extension_checks(locked, by, new_due_on, reason, "訂正")
    if not PaymentExtension.objects.filter(claim=locked).exists():
        raise ClaimError("訂正する延長がありません。")
    statutory = statutory_due_on(locked)
    if new_due_on < statutory:
        raise ClaimError(f"支払期限は法定の期限 ({statutory:%Y年%m月%d日}) より前にはできません。")
    if new_due_on == locked.payment_due_on:
        raise ClaimError("現在の支払期限と同じ日付です。")
    before = locked.payment_due_on
    return _record_extension(
        locked,
        claim,
        by,
        new_due_on,
        f"{CORRECTION_PREFIX}{before:%Y/%m/%d} → {new_due_on:%Y/%m/%d}: {reason}",
        f"支払期限の延長の訂正 ({before:%Y/%m/%d} → {new_due_on:%Y/%m/%d}): {reason}",
    )
