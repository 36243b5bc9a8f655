"""Writes of the payments app: bank accounts (maker-checker) and 総合振込 batches."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.models import Claim, Payout
from claims.services import ClaimError, claim_transition
from payments import banks, zengin
from payments.models import BankAccount, BatchItem, PaymentBatch
from payments.signals import payout_paid

S = Claim.Status
PAYER = "payer"


def is_payer(user) -> bool:
    return user.is_authenticated and user.has_perm("payments.pay")


# --- bank accounts --------------------------------------------------------------------


def clean_account(*, bank_code, branch_code, account_type, account_number, holder) -> dict:
    """The account's fields checked against the Zengin master and character set, with the
    names filled in from the master; a ValidationError per field (Japanese) otherwise."""
    errors = {}
    bank_code = (bank_code or "").strip()
    branch_code = (branch_code or "").strip()
    account_number = (account_number or "").strip()
    if not (bank_code.isascii() and bank_code.isdigit() and len(bank_code) == 4):
        errors["bank_code"] = "金融機関コードは4桁の数字で入力してください。"
    if not (branch_code.isascii() and branch_code.isdigit() and len(branch_code) == 3):
        errors["branch_code"] = "支店コードは3桁の数字で入力してください。"
    if account_type not in BankAccount.Type.values:
        errors["account_type"] = "預金種目を選んでください。"
    if not (
        account_number.isascii() and account_number.isdigit() and 1 <= len(account_number) <= 7
    ):
        errors["account_number"] = "口座番号は7桁以内の数字で入力してください。"
    found = None
    if "bank_code" not in errors:
        found = banks.lookup(bank_code, "" if "branch_code" in errors else branch_code)
        if found is None:
            errors["bank_code"] = (
                f"金融機関コード {bank_code} は全銀協の金融機関マスタにありません。"
            )
        elif "branch_code" not in errors and not found.branch_name:
            errors["branch_code"] = (
                f"支店コード {branch_code} は {found.bank_name} の支店マスタにありません。"
            )
    kana = zengin.to_zengin_kana(holder)
    if not kana:
        errors["holder"] = "口座名義をカタカナで入力してください。"
    else:
        refused = zengin.refused_characters(kana)
        if refused:
            errors["holder"] = (
                "口座名義に銀行で使えない文字があります: 「"
                + "」「".join(refused)
                + "」。カタカナ・英大文字・数字・スペース・( ) . - / で入力してください。"
            )
        elif len(kana.encode(zengin.ENCODING)) > 30:
            errors["holder"] = "口座名義は半角30文字以内にしてください。"
    if errors:
        raise ValidationError(errors)
    return {
        "bank_code": bank_code,
        "bank_name": found.bank_name,
        "bank_kana": zengin.to_zengin_kana(found.bank_kana)[:15],
        "branch_code": branch_code,
        "branch_name": found.branch_name,
        "branch_kana": zengin.to_zengin_kana(found.branch_kana)[:15],
        "account_type": account_type,
        "account_number": account_number.rjust(7, "0"),
        "holder": kana,
    }


@transaction.atomic
def account_enter(*, insured, by, **fields) -> BankAccount:
    """Enter a new (or changed) account: pending until someone else confirms it."""
    from claims.models import Insured

    Insured.objects.select_for_update().get(pk=insured.pk)
    if BankAccount.objects.filter(insured=insured, status=BankAccount.Status.PENDING).exists():
        raise ClaimError("確認待ちの口座変更があります。先に確認するか差し戻してください。")
    account = BankAccount(insured=insured, entered_by=by, **clean_account(**fields))
    account._change_reason = "口座の登録・変更"
    account.full_clean()
    account.save()
    return account


@transaction.atomic
def account_confirm(*, account, by) -> BankAccount:
    """A second person confirms a pending account; it replaces the confirmed one."""
    locked = BankAccount.objects.select_for_update().get(pk=account.pk)
    if locked.status != BankAccount.Status.PENDING:
        raise ClaimError(f"この口座は「{locked.get_status_display()}」です。")
    if locked.entered_by_id == by.pk:
        raise ClaimError(
            "口座を登録・変更した本人は確認できません (別の担当者が確認してください)。"
        )
    for old in BankAccount.objects.select_for_update().filter(
        insured_id=locked.insured_id, status=BankAccount.Status.CONFIRMED
    ):
        old.status = BankAccount.Status.SUPERSEDED
        old._history_user = by
        old.save()
    locked.status = BankAccount.Status.CONFIRMED
    locked.confirmed_by, locked.confirmed_at = by, timezone.now()
    locked._history_user = by
    locked._change_reason = "口座の確認"
    locked.save()
    return locked


@transaction.atomic
def account_reject(*, account, by) -> BankAccount:
    locked = BankAccount.objects.select_for_update().get(pk=account.pk)
    if locked.status != BankAccount.Status.PENDING:
        raise ClaimError(f"この口座は「{locked.get_status_display()}」です。")
    locked.status = BankAccount.Status.REJECTED
    locked._history_user = by
    locked._change_reason = "口座変更の差戻し"
    locked.save()
    return locked


def account_problem(insured_id, accounts: dict[int, list[tuple[int, str]]]) -> str | None:
    rows = accounts.get(insured_id, [])
    if any(status == BankAccount.Status.PENDING for _, status in rows):
        return "振込先口座の変更が確認待ちです (確認されるまで支払えません)。"
    if not any(status == BankAccount.Status.CONFIRMED for _, status in rows):
        return "確認済みの振込先口座がありません。"
    return None


def _accounts_by_insured(insured_ids) -> dict[int, list[tuple[int, str]]]:
    """insured id -> (account id, status) of its pending and confirmed accounts
    (`insured_ids`: ids or a subquery)."""
    out: dict[int, list[tuple[int, str]]] = {}
    for pk, insured_id, status in BankAccount.objects.filter(
        insured_id__in=insured_ids,
        status__in=[BankAccount.Status.PENDING, BankAccount.Status.CONFIRMED],
    ).values_list("pk", "insured_id", "status"):
        out.setdefault(insured_id, []).append((pk, status))
    return out


def claim_documents_missing_bulk(claims) -> dict[int, set[str]]:
    """claim id -> the Q1 claim-document kinds (保険金請求書, 示談書, 支払明細) not on file,
    for every claim of `claims` (a Claim queryset, kept in SQL): the rule of the claim stage
    of documents.checklist.build (wanted once the claim has any item; a settlement only with
    client damages; any live document of the kind counts) in four queries for a whole batch,
    where the checklist per claim costs four queries each. tests/payments checks that both
    agree."""
    from claims.models import ClientDamage, Expense, OvertimeEntry
    from documents.checklist import CLAIM_STAGE_KINDS
    from documents.models import Document, DocumentKind

    ids = claims.values("pk")
    damages = set(ClientDamage.objects.filter(claim_id__in=ids).values_list("claim_id", flat=True))
    others = set(Expense.objects.filter(claim_id__in=ids).values_list("claim_id", flat=True))
    others |= set(OvertimeEntry.objects.filter(claim_id__in=ids).values_list("claim_id", flat=True))
    on_file: dict[int, set[str]] = {}
    for claim_id, kind in (
        Document.objects.filter(
            claim_id__in=ids, deleted_at__isnull=True, kind__in=CLAIM_STAGE_KINDS
        )
        .values_list("claim_id", "kind")
        .distinct()
    ):
        on_file.setdefault(claim_id, set()).add(kind)
    out = {}
    for claim_id in claims.values_list("pk", flat=True):
        if claim_id not in damages and claim_id not in others:
            continue
        wanted = {DocumentKind.CLAIM_FORM, DocumentKind.PAYMENT_RECORD}
        if claim_id in damages:
            wanted.add(DocumentKind.SETTLEMENT_AGREEMENT)
        missing = wanted - on_file.get(claim_id, set())
        if missing:
            out[claim_id] = missing
    return out


# --- batches ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """What gathering needs of a payout, read as plain values (10,000 of them)."""

    pk: int
    status: str
    amount: int
    claim_id: int
    claim_status: str
    claim_number: str
    insured_id: int

    FIELDS = (
        "pk",
        "status",
        "amount",
        "claim_id",
        "claim__status",
        "claim__number",
        "claim__policy__insured_id",
    )

    @classmethod
    def of(cls, payout):
        claim = payout.claim
        return cls(
            payout.pk,
            payout.status,
            payout.amount,
            claim.pk,
            claim.status,
            claim.number,
            claim.policy.insured_id,
        )


def payout_problems(payouts, *, scope=None, check_documents=True, accounts=None) -> dict[int, str]:
    """payout pk -> why it cannot go into a batch now (not approved, already in a live
    batch, no confirmed account or an unconfirmed change, claim documents missing).
    `payouts`: Payout rows or Candidates; `scope`: a Payout queryset holding them (kept in
    SQL, so 10,000 payouts are not sent to the database as a list of ids four times)."""
    rows = [p if isinstance(p, Candidate) else Candidate.of(p) for p in payouts]
    if scope is None:
        scope = Payout.objects.filter(pk__in=[p.pk for p in rows])
    claims = Claim.objects.filter(pk__in=scope.values("claim_id"))
    if accounts is None:
        accounts = _accounts_by_insured(claims.values("policy__insured_id"))
    in_batch = set(
        BatchItem.objects.filter(payout__in=scope.values("pk"), live=True).values_list(
            "payout_id", flat=True
        )
    )
    missing = claim_documents_missing_bulk(claims) if check_documents else {}
    problems = {}
    for p in rows:
        if p.status != Payout.Status.APPROVED or p.claim_status != S.APPROVED:
            problems[p.pk] = "承認済み (未払い) の支払ではありません。"
        elif p.pk in in_batch:
            problems[p.pk] = "既に別の振込バッチに入っています。"
        elif problem := account_problem(p.insured_id, accounts):
            problems[p.pk] = problem
        elif p.claim_id in missing:
            problems[p.pk] = "保険金請求書類 (Q1) が揃っていません。"
    return problems


def approved_payouts():
    return (
        Payout.objects.filter(status=Payout.Status.APPROVED, claim__status=S.APPROVED)
        .select_related("claim__policy__insured")
        .defer("snapshot")
        .order_by("approved_at", "pk")
    )


def _a_year_after(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def batch_create(*, by, transfer_date, payouts=None, check_documents=True) -> PaymentBatch:
    """Gather `payouts` (default: every approved payout that can be paid) into a batch."""
    if not is_payer(by):
        raise ClaimError("振込バッチの作成は支払担当のみが行えます。")
    if isinstance(transfer_date, str):
        try:
            transfer_date = datetime.date.fromisoformat(transfer_date)
        except ValueError as exc:
            raise ClaimError("振込指定日を正しい日付で入力してください。") from exc
    if transfer_date < timezone.localdate():
        raise ClaimError("振込指定日に過去の日付は指定できません。")
    if transfer_date >= _a_year_after(timezone.localdate()):
        # the file's header holds the date as MMDD only: a year ahead reads as this year's
        raise ClaimError(
            "振込指定日は今日から1年以内の日付を入力してください"
            " (振込ファイルには月日しか入らないため)。"
        )
    if payouts is None:  # every approved payout: selected in SQL, not as a list of ids
        scope = Payout.objects.filter(status=Payout.Status.APPROVED, claim__status=S.APPROVED)
    else:
        scope = Payout.objects.filter(pk__in=[p.pk for p in payouts])
    locked = [
        Candidate(*row)
        for row in scope.select_for_update(of=("self",))
        .order_by("pk")
        .values_list(*Candidate.FIELDS)
    ]
    accounts = _accounts_by_insured(
        Claim.objects.filter(pk__in=scope.values("claim_id")).values("policy__insured_id")
    )
    problems = payout_problems(
        locked, scope=scope, check_documents=check_documents, accounts=accounts
    )
    if payouts is None:
        locked = [p for p in locked if p.pk not in problems]
    elif problems:
        p = next(p for p in locked if p.pk in problems)
        raise ClaimError(f"{p.claim_number}: {problems[p.pk]}")
    if not locked:
        raise ClaimError("振込できる支払がありません。")
    confirmed = {
        insured_id: pk
        for insured_id, rows in accounts.items()
        for pk, status in rows
        if status == BankAccount.Status.CONFIRMED
    }
    batch = PaymentBatch.objects.create(
        transfer_date=transfer_date,
        created_by=by,
        count=len(locked),
        total=sum(p.amount for p in locked),
    )
    items = [
        BatchItem(batch=batch, payout_id=p.pk, account_id=confirmed[p.insured_id], amount=p.amount)
        for p in locked
    ]
    try:
        with transaction.atomic():
            BatchItem.objects.bulk_create(items, batch_size=2000)
    except IntegrityError as exc:
        raise ClaimError("既に別の振込バッチに入っている支払があります。") from exc
    return batch


def build_file(batch) -> bytes:
    """The 総合振込 file of `batch` from its stored rows (items in id order)."""
    r = settings.ZENGIN_REQUESTER
    header = zengin.Header(
        requester_code=r["code"],
        requester_name=r["name"],
        transfer_date=batch.transfer_date,
        bank_code=r["bank_code"],
        bank_name=r["bank_name"],
        branch_code=r["branch_code"],
        branch_name=r["branch_name"],
        account_type=r["account_type"],
        account_number=r["account_number"],
    )
    rows = (
        BatchItem.objects.filter(batch=batch)
        .order_by("pk")
        .values_list(
            "account__bank_code",
            "account__bank_kana",
            "account__branch_code",
            "account__branch_kana",
            "account__account_type",
            "account__account_number",
            "account__holder",
            "amount",
            "payout_id",
        )
    )
    transfers = [
        zengin.Transfer(
            bank_code=bank,
            bank_name=bank_kana,
            branch_code=branch,
            branch_name=branch_kana,
            account_type=kind,
            account_number=number,
            holder=holder,
            amount=amount,
            customer_code1=str(payout_id),
        )
        for bank, bank_kana, branch, branch_kana, kind, number, holder, amount, payout_id in rows
    ]
    return zengin.build(header, transfers)


@transaction.atomic
def batch_file(*, batch, by) -> bytes:
    """The batch's file: built and stored on the first download, the stored bytes after."""
    if not is_payer(by):
        raise ClaimError("振込ファイルの取得は支払担当のみが行えます。")
    locked = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status == PaymentBatch.Status.CANCELLED:
        raise ClaimError("取り消した振込バッチのファイルは取得できません。")
    if locked.file is None:
        data = build_file(locked)
        locked.file = data
        locked.file_sha256 = hashlib.sha256(data).hexdigest()
        locked._history_user = by
        locked.save(update_fields=["file", "file_sha256"])
        return data
    return bytes(locked.file)


@transaction.atomic
def batch_cancel(*, batch, by, reason) -> PaymentBatch:
    """Cancel an open batch: its payouts are free for a new batch."""
    if not is_payer(by):
        raise ClaimError("振込バッチの取消は支払担当のみが行えます。")
    reason = (reason or "").strip()
    if not reason:
        raise ClaimError("取消の理由を入力してください。")
    locked = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != PaymentBatch.Status.OPEN:
        raise ClaimError(f"この振込バッチは「{locked.get_status_display()}」です。")
    BatchItem.objects.filter(batch=locked).update(live=False)
    locked.status = PaymentBatch.Status.CANCELLED
    locked.cancelled_by, locked.cancel_reason = by, reason
    locked._history_user = by
    locked.save()
    return locked


@transaction.atomic
def batch_mark_paid(*, batch, by, paid_on, reference) -> PaymentBatch:
    """The bank confirmed the transfer: each payout of the batch is paid on `paid_on` with
    `reference` (the claim moves to 支払済み, its 30-day clock stops) and `payout_paid` is
    sent for it after commit. The same rules as claims.approvals.payouts.payout_mark_paid: four eyes
    on the claim, the Q1 claim documents on file. A batch already paid with the same date
    and reference is left as it is (marking paid twice changes nothing)."""
    from claims.approvals.payouts import claim_documents_missing, record_paid
    from claims.approvals.policy_limits import lock_policy

    if not is_payer(by):
        raise ClaimError("振込済みの記録は支払担当のみが行えます。")
    if isinstance(paid_on, str):
        try:
            paid_on = datetime.date.fromisoformat(paid_on)
        except ValueError as exc:
            raise ClaimError("支払日を正しい日付で入力してください。") from exc
    reference = (reference or "").strip()
    if not reference or len(reference) > 100:
        raise ClaimError("振込参照番号を100文字以内で入力してください。")
    if paid_on > timezone.localdate():
        raise ClaimError("支払日に未来の日付は入力できません。")
    locked = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status == PaymentBatch.Status.PAID:
        if (locked.paid_on, locked.reference) == (paid_on, reference):
            return locked
        raise ClaimError(
            f"この振込バッチは既に {locked.paid_on:%Y年%m月%d日} (参照番号 {locked.reference}) "
            "に振込済みとして記録されています。"
        )
    if locked.status != PaymentBatch.Status.OPEN:
        raise ClaimError(f"この振込バッチは「{locked.get_status_display()}」です。")
    if locked.file is None:
        raise ClaimError("振込ファイルを取得してから振込済みにしてください。")
    paid = []
    items = BatchItem.objects.filter(batch=locked, live=True).select_related("payout__claim")
    for item in items.order_by("pk"):
        claim = item.payout.claim
        lock_policy(claim)
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        payout = Payout.objects.select_for_update().get(pk=item.payout_id)
        if claim_documents_missing(claim):
            raise ClaimError(f"{claim.number}: 保険金請求書類 (Q1) が揃っていません。")
        try:
            record_paid(
                claim=claim,
                payout=payout,
                by=by,
                paid_on=paid_on,
                reference=reference,
                reason=f"総合振込 バッチ{locked.pk} (参照番号 {reference})",
            )
        except ClaimError as exc:
            raise ClaimError(f"{claim.number}: {exc}") from None
        paid.append(payout)
    locked.status = PaymentBatch.Status.PAID
    locked.paid_on, locked.reference, locked.paid_by = paid_on, reference, by
    locked._history_user = by
    locked.save()
    for payout in paid:
        transaction.on_commit(
            lambda p=payout: payout_paid.send(sender=PaymentBatch, payout=p, by=by, batch=locked)
        )
    return locked


def _closed_right_after_payment(claim) -> bool:
    """The claim's file was closed (終了) straight from 支払済み, nothing decided since: a
    transfer the bank returns afterwards puts it back to 承認済み like a paid one."""
    from claims.models import StatusChange

    last = StatusChange.objects.filter(claim=claim).order_by("-at", "-id").first()
    return last is not None and (last.from_status, last.to_status) == (S.PAID, S.CLOSED)


@transaction.atomic
def item_return(*, item, by, returned_on, reason) -> BatchItem:
    """The bank returned one transfer (組戻し/資金返却): that payout (only that one) is
    approved and unpaid again, free for a new batch, its claim back to 承認済み with the
    payment clock running (also when its file was closed right after payment); the reason
    stays on the item and in the claim's history."""
    from claims.approvals.policy_limits import lock_policy

    if not is_payer(by):
        raise ClaimError("資金返却の記録は支払担当のみが行えます。")
    reason = (reason or "").strip()
    if not reason:
        raise ClaimError("返却の理由を入力してください。")
    if isinstance(returned_on, str):
        try:
            returned_on = datetime.date.fromisoformat(returned_on)
        except ValueError as exc:
            raise ClaimError("返却日を正しい日付で入力してください。") from exc
    locked = BatchItem.objects.select_for_update().select_related("batch").get(pk=item.pk)
    if locked.batch.status != PaymentBatch.Status.PAID or not locked.live:
        raise ClaimError("振込済みの明細のみ返却を記録できます。")
    lock_policy(locked.payout.claim)
    claim = Claim.objects.select_for_update().get(pk=locked.payout.claim_id)
    payout = Payout.objects.select_for_update().get(pk=locked.payout_id)
    if payout.status != Payout.Status.PAID or claim.status not in (S.PAID, S.CLOSED):
        raise ClaimError(f"{claim.number}: 支払済みの状態ではないため、返却を記録できません。")
    if claim.status == S.CLOSED and not _closed_right_after_payment(claim):
        raise ClaimError(
            f"{claim.number}: 支払の後に査定・返還請求などがあった事故のため、返却をここでは"
            "記録できません。監督者・管理者に相談してください。"
        )
    payout.status = Payout.Status.APPROVED
    payout.paid_on, payout.payment_reference = None, ""
    payout._history_user = by
    payout._change_reason = f"資金返却: {reason}"[:100]
    payout.save(update_fields=["status", "paid_on", "payment_reference"])
    claim.paid_on = None
    claim._history_user = by
    claim.save(update_fields=["paid_on", "updated_at"])
    claim_transition(claim=claim, to=S.APPROVED, by=by, reason=f"振込の資金返却 (組戻し): {reason}")
    locked.live = False
    locked.returned_on, locked.returned_by, locked.return_reason = returned_on, by, reason
    locked._history_user = by
    locked.save()
    return locked
