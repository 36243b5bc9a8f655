"""Writes on supporting documents: upload, soft delete, requests, the payment clock.

Uploads are all-or-nothing per request: if any file of a batch is refused, none is stored
(the message names each refused file), so a handler never has to work out which half of a
batch went in. Files are checked by content (documents.filecheck) and stored under a
generated name (documents.models.document_upload_to); the user's filename is metadata only.

Who may upload: whoever may edit the claim (claims.permissions.can_edit). In read-only
statuses the facts are frozen, but Q1 step 5 has the insured send the claim documents
(claim form, settlement, payment record) after the desk has told them the amount, which is
after approval: so an approved claim still takes those three kinds and nothing else. Paid,
closed and withdrawn claims take nothing.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from claims import permissions
from claims.models import Claim
from claims.services import ClaimError, allowed_transitions, claim_refresh_totals, claim_transition
from documents import checklist as checklist_mod
from documents import filecheck
from documents.models import DESK_KINDS, Document, DocumentKind, DocumentRequest

S = Claim.Status
K = DocumentKind
PAYMENT_DAYS = 30

UPLOAD_KINDS = [(k.value, k.label) for k in K if k not in DESK_KINDS]
DAMAGE_LINK_KINDS = frozenset({K.DAMAGE_CLAIM, K.SERVICE_CONTRACT, K.OTHER})
OVERTIME_LINK_KINDS = frozenset({K.ATTENDANCE_RECORD, K.WAGE_BASIS, K.TASK_RECORD, K.OTHER})
CLOSED_TO_UPLOADS = frozenset({S.PAID, S.CLOSED, S.WITHDRAWN})
# Statuses where a request is recorded without a status change (see documents_request).
REQUEST_WITHOUT_MOVE = frozenset({S.DOCUMENTS_REQUESTED, S.APPROVED})


class UploadRejected(ClaimError):
    """Some files of a batch were refused; `errors` pairs each display name with its reason."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__(
            "次のファイルを受け付けられませんでした。ほかのファイルも保存していません: "
            + " / ".join(f"{name}: {reason}" for name, reason in errors)
        )


def change_refusal(user, claim, kind: str | None = None) -> str | None:
    """Why `user` may not add or remove a document of `kind` on `claim`, or None."""
    if not permissions.can_edit(user, claim):
        return "この事故の書類を変更する権限がありません。"
    if claim.status in CLOSED_TO_UPLOADS:
        return f"「{claim.get_status_display()}」の事故の書類は変更できません。"
    if claim.status == S.AWAITING_APPROVAL:
        # Frozen like its items: what the supervisor approves is what was sent, and the
        # payment clock cannot be touched through the documents.
        return "承認待ちの事故の書類は変更できません。差戻し後に変更してください。"
    if (
        claim.status == S.APPROVED
        and kind is not None
        and kind not in checklist_mod.CLAIM_STAGE_KINDS
    ):
        return (
            "承認済みの事故で変更できるのは保険金請求書類 "
            "(保険金請求書・示談書・支払明細) のみです。"
        )
    return None


def max_mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


@dataclass
class _Checked:
    upload: object
    name: str
    content_type: str
    sha256: str
    size: int


def _check(upload) -> _Checked:
    name = filecheck.clean_filename(getattr(upload, "name", ""))
    size = upload.size or 0
    if size == 0:
        raise filecheck.FileRejected("空のファイル (0バイト) は受け付けられません。")
    if size > settings.DOCUMENT_MAX_BYTES:
        raise filecheck.FileRejected(
            f"ファイルが大きすぎます (上限 {max_mb(settings.DOCUMENT_MAX_BYTES)})。"
        )
    sniffed = filecheck.sniff(upload, name=name)
    name = filecheck.name_for_type(name, sniffed.content_type)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return _Checked(upload, name, sniffed.content_type, digest.hexdigest(), size)


@dataclass
class UploadRow:
    """One file of a batch with its own kind and target (one damage, or overtime entries)."""

    upload: object
    kind: str
    damage: object = None
    overtime_entries: tuple = ()


def link_refusal(claim: Claim, kind: str, damage=None, overtime_entries=()) -> str | None:
    """Why a document of `kind` cannot be linked to these targets of `claim`, or None."""
    if damage is not None and (damage.claim_id != claim.pk or kind not in DAMAGE_LINK_KINDS):
        return f"「{K(kind).label}」は顧問先の損害に紐付けられません。"
    for entry in overtime_entries:
        if entry.claim_id != claim.pk or kind not in OVERTIME_LINK_KINDS:
            return f"「{K(kind).label}」は超過勤務に紐付けられません。"
    return None


def document_upload(
    *, claim: Claim, by, files, kind: str, damage=None, overtime_entries=()
) -> list[Document]:
    """Store a batch of files of one kind on `claim` (optionally linked to one damage, or to
    one or more overtime entries: one Document row per entry, sharing the stored file).
    All or nothing."""
    if kind not in dict(UPLOAD_KINDS):
        raise ClaimError("書類の種類を選んでください。")
    refusal = change_refusal(by, claim, kind)
    if refusal:
        raise ClaimError(refusal)
    files = list(files)
    if not files:
        raise ClaimError("ファイルを選んでください。")
    overtime_entries = tuple(overtime_entries)
    refusal = link_refusal(claim, kind, damage, overtime_entries)
    if refusal:
        raise ClaimError(refusal)
    return document_upload_rows(
        claim=claim,
        by=by,
        rows=[UploadRow(f, kind, damage, overtime_entries) for f in files],
    )


def document_upload_rows(*, claim: Claim, by, rows) -> list[Document]:
    """Store a batch where each file has its own kind and target (#18). Every row is checked
    (kind, the claim's status for that kind, the target, the file itself) before anything
    is stored: one wrong row refuses the whole batch, each refused file named with its reason."""
    rows = list(rows)
    refusal = change_refusal(by, claim)
    if refusal:
        raise ClaimError(refusal)
    if not rows:
        raise ClaimError("ファイルを選んでください。")
    errors, checked = [], []
    for row in rows:
        name = filecheck.clean_filename(getattr(row.upload, "name", ""))
        if row.kind not in dict(UPLOAD_KINDS):
            errors.append((name, "書類の種類を選んでください。"))
            continue
        reason = change_refusal(by, claim, row.kind) or link_refusal(
            claim, row.kind, row.damage, row.overtime_entries
        )
        if reason:
            errors.append((name, reason))
            continue
        try:
            checked.append((row, _check(row.upload)))
        except filecheck.FileRejected as exc:
            errors.append((name, str(exc)))
    if not errors and sum(c.size for _r, c in checked) > settings.DOCUMENT_MAX_REQUEST_BYTES:
        errors.append(
            (
                "(全体)",
                f"一度に送れる合計は {max_mb(settings.DOCUMENT_MAX_REQUEST_BYTES)} までです。",
            )
        )
    if errors:
        raise UploadRejected(errors)

    stored: list[str] = []
    try:
        with transaction.atomic():
            created = []
            for row, c in checked:
                targets = list(row.overtime_entries) or [None]
                first = None
                for entry in targets:
                    doc = Document(
                        claim=claim,
                        kind=row.kind,
                        original_name=c.name,
                        content_type=c.content_type,
                        size=c.size,
                        sha256=c.sha256,
                        damage=row.damage,
                        overtime_entry=entry,
                        uploaded_by=by,
                    )
                    if first is None:
                        doc.file.save(c.name, c.upload, save=False)
                        stored.append(doc.file.name)
                        first = doc
                    else:
                        doc.file.name = first.file.name
                    doc.full_clean()
                    doc._change_reason = "upload"
                    doc._history_user = by
                    doc.save()
                    created.append(doc)
            _after_change(claim=claim, by=by)
    except BaseException:
        storage = Document._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise
    return created


@transaction.atomic
def document_reclassify(
    *, document: Document, by, kind: str, damage=None, overtime_entry=None, reason: str = ""
) -> Document:
    """種類・対象を変更: give a stored document another kind and/or target (one damage, one
    overtime entry or the claim as a whole). Refused like an upload of the old or the new
    kind (permissions, read-only statuses, 承認待ち); kept in the document's history (who,
    when, from what to what, why), which four eyes reads as a document change."""
    claim = Claim.objects.select_for_update().get(pk=document.claim_id)
    doc = Document.objects.select_for_update().get(pk=document.pk)
    if doc.deleted_at is not None:
        raise ClaimError("この書類は削除されています。")
    if doc.kind in DESK_KINDS:
        raise ClaimError("弊社が作成した書類の種類は変更できません。")
    if kind not in dict(UPLOAD_KINDS):
        raise ClaimError("書類の種類を選んでください。")
    refusal = change_refusal(by, claim, doc.kind) or change_refusal(by, claim, kind)
    if refusal:
        raise ClaimError(refusal)
    if damage is not None and overtime_entry is not None:
        raise ClaimError("対象は一つだけ選んでください。")
    refusal = link_refusal(claim, kind, damage, [overtime_entry] if overtime_entry else [])
    if refusal:
        raise ClaimError(refusal)
    before = f"{doc.get_kind_display()} / {_target_text(doc)}"
    doc.kind = kind
    doc.damage = damage
    doc.overtime_entry = overtime_entry
    after = f"{doc.get_kind_display()} / {_target_text(doc)}"
    if before == after:
        raise ClaimError("種類も対象も変わっていません。")
    doc.full_clean()
    # the claim's history shows the field changes (種類, 対象) beside this reason
    reason = (reason or "").strip()
    doc._change_reason = (f"種類・対象を変更: {reason}" if reason else "種類・対象を変更")[:100]
    doc._history_user = by
    doc.save()
    _after_change(claim=claim, by=by)
    return doc


def _target_text(doc: Document) -> str:
    if doc.damage_id:
        return f"顧問先 {doc.damage.client_name}"
    if doc.overtime_entry_id:
        return checklist_mod.overtime_target(doc.overtime_entry)
    return "事故全体"


@transaction.atomic
def document_delete(*, document: Document, by, reason: str) -> Document:
    """Soft delete: the row and the file stay for audit; history records who and why."""
    claim = document.claim
    refusal = change_refusal(by, claim, document.kind)
    if refusal:
        raise ClaimError(refusal)
    if document.kind in DESK_KINDS:
        raise ClaimError("弊社が作成した書類はここでは削除できません。")
    reason = (reason or "").strip()
    if not reason:
        raise ClaimError("削除理由を入力してください。")
    doc = Document.objects.select_for_update().get(pk=document.pk)
    if doc.deleted_at is not None:
        raise ClaimError("この書類はすでに削除されています。")
    doc.deleted_at = timezone.now()
    doc.deleted_by = by
    doc.delete_reason = reason[:300]
    doc.full_clean()
    doc._change_reason = f"deleted: {doc.delete_reason}"
    doc._history_user = by
    doc.save()
    _after_change(claim=claim, by=by)
    return doc


def _after_change(*, claim: Claim, by) -> None:
    """Evidence may have changed the engine's overtime decisions and the checklist."""
    claim_refresh_totals(claim=claim, cause="証憑書類の登録・削除", by=by)
    documents_sync_completion(claim=claim)


@transaction.atomic
def documents_sync_completion(*, claim: Claim, today: datetime.date | None = None) -> Claim:
    """Start the 30-day payment clock (保険法21条) when the checklist first turns complete.

    Complete: record `documents_complete_on` (first time) and `payment_due_on` = that date
    + 30 days unless a due date is already set (an extension). Once started the clock is
    never cleared here: deleting a document (and uploading it again) must not give the
    desk a fresh 30 days; only claims.services.claim_reopen restarts it, on the record.
    Also marks open requests fulfilled once nothing they asked for is still missing. Safe
    to call after any change to a claim's items or documents.
    """
    today = today or timezone.localdate()
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    cl = checklist_mod.claim_checklist(locked)
    changed = []
    if cl.complete and locked.documents_complete_on is None:
        locked.documents_complete_on = today
        changed.append("documents_complete_on")
        if locked.payment_due_on is None:
            locked.payment_due_on = today + datetime.timedelta(days=PAYMENT_DAYS)
            changed.append("payment_due_on")
    if changed:
        locked._change_reason = "documents complete"
        locked.save(update_fields=[*changed, "updated_at"])
        claim.documents_complete_on = locked.documents_complete_on
        claim.payment_due_on = locked.payment_due_on
    missing = {i.key for i in cl.missing}
    for req in DocumentRequest.objects.filter(claim=locked, fulfilled_at__isnull=True):
        if not any(item.get("key") in missing for item in req.items):
            req.fulfilled_at = timezone.now()
            req.save(update_fields=["fulfilled_at"])
    return claim


def request_refusal(user, claim) -> str | None:
    if not permissions.can_edit(user, claim):
        return "この事故の書類を依頼する権限がありません。"
    if S.DOCUMENTS_REQUESTED in allowed_transitions(claim) or claim.status in REQUEST_WITHOUT_MOVE:
        return None
    return f"「{claim.get_status_display()}」の事故には書類を依頼できません。"


def follow_up_refusal(claim: Claim, missing, today: datetime.date | None = None) -> str | None:
    """Why asking again now is too early, or None. A request for what an unanswered request
    of the last DOCUMENT_FOLLOW_UP_DAYS days already asked is a 督促, offered only once the
    interval has passed (documents.followup); a request that asks for something new (an item
    added since) is not a follow-up and may be made at once."""
    from documents import followup

    latest = (
        DocumentRequest.objects.filter(claim=claim, fulfilled_at__isnull=True)
        .order_by("-requested_at")
        .first()
    )
    if latest is None:
        return None
    days = followup.days_waiting(latest.requested_at, today)
    limit = followup.follow_up_days()
    if days >= limit:
        return None
    asked = {item.get("key") for item in latest.items}
    if any(i.key not in asked for i in missing):
        return None
    first_day = timezone.localdate(latest.requested_at) + datetime.timedelta(days=limit)
    return (
        f"{timezone.localdate(latest.requested_at):%Y/%m/%d} に依頼したばかりです。"
        f"督促は {first_day:%Y/%m/%d} (依頼から{limit}日) 以降にできます。"
    )


def request_preview(claim: Claim, user) -> dict:
    """What 書類を依頼 would ask for now, and why it cannot (the preview page and the panel)."""
    missing = checklist_mod.claim_checklist(claim).missing
    refusal = request_refusal(user, claim)
    if refusal is None and not missing:
        refusal = "不足している書類はありません。"
    if refusal is None:
        refusal = follow_up_refusal(claim, missing)
    return {"missing": missing, "refusal": refusal}


@transaction.atomic
def documents_request(
    *, claim: Claim, by, message: str = "", due_on: datetime.date | None = None
) -> DocumentRequest:
    """Record a request for exactly the missing checklist items and move the claim to
    「書類依頼中」 where the status machine allows it (受付, 査定中). A follow-up request on a
    claim already waiting, or a request for the claim documents of an approved claim (Q1
    step 5), is recorded without a status change; other statuses refuse. Asking again for
    the same items before the follow-up interval is refused (follow_up_refusal). `due_on`
    (回答期限) is optional, and never in the past."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    refusal = request_refusal(by, claim)
    if refusal:
        raise ClaimError(refusal)
    missing = checklist_mod.claim_checklist(claim).missing
    if not missing:
        raise ClaimError("不足している書類はありません。")
    refusal = follow_up_refusal(claim, missing)
    if refusal:
        raise ClaimError(refusal)
    if due_on is not None and due_on < timezone.localdate():
        raise ClaimError("回答期限は今日以降の日付にしてください。")
    req = DocumentRequest(
        claim=claim,
        items=[i.as_request_item() for i in missing],
        message=(message or "").strip(),
        due_on=due_on,
        requested_by=by,
    )
    req.full_clean()
    req.save()
    if S.DOCUMENTS_REQUESTED in allowed_transitions(claim):
        claim_transition(claim=claim, to=S.DOCUMENTS_REQUESTED, by=by, reason="書類依頼")
    return req
