"""The claim's audit trail as a readable Japanese timeline.

Sources: django-simple-history records of the claim, its items (damages, expenses,
overtime), documents and payouts, of the plan and sub-limits its assessment rests on,
plus StatusChange rows (with their reasons) and payment-clock extensions. Each entry says
who, when, what: the field's verbose_name with old → new, choices shown by their labels.

A fixed number of queries whatever the history's length (one per source, one for users).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.contrib.auth import get_user_model
from django.db import models

from claims.models import (
    ApprovalAuthority,
    Claim,
    ClaimTask,
    ClientDamage,
    Expense,
    FigureChange,
    OvertimeEntry,
    PaymentExtension,
    Payout,
    Recovery,
    StatusChange,
)
from claimsdesk.display import person_name, ymd, ymd_hm
from coverage import vocab
from coverage.models import ExpenseSublimit, Plan

# Bookkeeping columns nobody needs to read in a timeline.
_SKIP = {
    "id",
    "claim",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "snapshot",
    "file",
    "sha256",
    "size",
    "content_type",
    "render_version",
    "number",
}
# Status moves are told by StatusChange rows (with reasons), not by the claim's history.
# Claim totals are derived from the items (and updated without history), so a diff of them
# would pin the items' changes on whoever saved the claim next.
_SKIP_BY_MODEL = {Claim: {"status", "total_claimed", "total_payable", "pending_items"}}
_ACTIONS = {"+": "作成", "~": "変更", "-": "削除"}
# Columns the models left without a Japanese verbose_name.
_LABELS = {
    "status": "状態",
    "approved_by": "承認者",
    "approved_at": "承認日時",
    "voided_by": "取消者",
    "voided_at": "取消日時",
    "uploaded_by": "登録者",
    "uploaded_at": "登録日時",
    "deleted_at": "削除日時",
    "deleted_by": "削除者",
    "original_name": "元のファイル名",
}


def field_label(f) -> str:
    label = str(f.verbose_name)
    if label.isascii():
        return _LABELS.get(f.name, label)
    return label


_MAX_TEXT = 120


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    at: datetime.datetime
    user: str
    subject: str
    action: str
    changes: list[Change] = field(default_factory=list)
    reason: str = ""
    kind: str = "change"  # change | amount | document | status | extension | plan | figures


# The history filter on the claim page (?history=...): its label and the kinds it shows.
HISTORY_FILTERS = {
    "status": ("状態", {"status", "extension"}),
    "amounts": ("金額", {"amount", "figures"}),
    "documents": ("書類", {"document"}),
    "settings": ("設定変更", {"plan"}),
}


def filter_entries(entries: list, group: str | None) -> list:
    """The entries of one filter group (all of them for an unknown or empty group)."""
    if group not in HISTORY_FILTERS:
        return entries
    kinds = HISTORY_FILTERS[group][1]
    return [e for e in entries if e.kind in kinds]


def user_label(user) -> str:
    if user is None:
        return "システム"
    name = person_name(user) if (user.last_name or user.first_name) else ""
    return f"{name} ({user.username})" if name else user.username


def _display(f: models.Field, value, users: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.ForeignKey):
        if f.related_model is get_user_model():
            return user_label(users.get(value)) if value in users else f"#{value}"
        return f"#{value}"
    if isinstance(f, models.BooleanField):
        return "はい" if value else "いいえ"
    if isinstance(f, models.JSONField) and isinstance(value, list):
        return "、".join(vocab.EVIDENCE_KINDS.get(v, str(v)) for v in value)
    if isinstance(value, datetime.datetime):
        return ymd_hm(value)
    if isinstance(value, datetime.date):
        return ymd(value)
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):  # the overtime premium, as typed (1.255, not 1.255000…)
        return format(value.normalize(), "f")
    text = str(value)
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _fields(model):
    skip = _SKIP | _SKIP_BY_MODEL.get(model, set())
    # a column the history leaves out (excluded_fields: Claim.open_request_at) has no past
    kept = {f.name for f in model.history.model._meta.concrete_fields}
    return [f for f in model._meta.concrete_fields if f.name not in skip and f.name in kept]


def _user_ids(model, record) -> set:
    ids = {record.history_user_id}
    for f in _fields(model):
        if isinstance(f, models.ForeignKey) and f.related_model is get_user_model():
            ids.add(getattr(record, f.attname))
    return ids


def _subject(model, record, users=None) -> str:
    """Name the object from the history row's own columns (no query per row)."""
    name = model._meta.verbose_name
    if model is ApprovalAuthority:
        return f"{name}「{user_label((users or {}).get(record.user_id))}」"
    if model is Claim:
        return str(name)  # the page is the claim's: its number (once "tmp-…") adds nothing
    if model in (Payout, Recovery):
        return f"{name} {record.amount:,}円"
    if model is ExpenseSublimit:
        return f"{name}「{vocab.SUBLIMIT_CATEGORIES.get(record.category, record.category)}」"
    if model is ClientDamage:
        label = f"{record.client_name} {record.description}".strip()
    elif model is Expense:
        label = (
            f"{vocab.EXPENSE_CATEGORIES.get(record.category, record.category)} {record.amount:,}円"
        )
    elif model is ClaimTask:
        label = f"{record.due_on:%Y/%m/%d} {record.what}"
    elif model is OvertimeEntry:
        label = f"{record.employee} {record.minutes}分"
    elif model is Plan:
        label = record.name
    elif hasattr(record, "original_name"):
        label = f"{record.get_kind_display()}: {record.original_name}"
    else:
        label = f"#{record.id}"
    return f"{name}「{label}」"


def _reason(record) -> str:
    reason = record.history_change_reason or ""
    return "" if reason.startswith("status →") else reason


def _entries_from_history(model, records, users, *, include_created=True, kind="change"):
    """Turn one model's history records (any number of objects) into timeline entries."""
    out = []
    fields = _fields(model)
    records = sorted(records, key=lambda r: (r.id, r.history_date, r.history_id))
    for _, versions in groupby(records, key=lambda r: r.id):
        prev = None
        for rec in versions:
            action = _ACTIONS.get(rec.history_type, rec.history_type)
            changes = []
            if rec.history_type == "~" and prev is not None:
                for f in fields:
                    old, new = getattr(prev, f.attname), getattr(rec, f.attname)
                    if old != new:
                        changes.append(
                            Change(
                                field_label(f),
                                _display(f, old, users),
                                _display(f, new, users),
                            )
                        )
            keep = (
                (rec.history_type == "+" and include_created) or rec.history_type == "-" or changes
            )
            if keep:
                out.append(
                    Entry(
                        at=rec.history_date,
                        user=user_label(users.get(rec.history_user_id)),
                        subject=_subject(model, rec, users),
                        action=action,
                        changes=changes,
                        reason=_reason(rec),
                        kind=kind,
                    )
                )
            prev = rec
    return out


def _recent(queryset, window: int) -> list:
    return list(queryset.order_by("-history_date", "-history_id")[:window])


def claim_timeline(claim, *, limit: int = 300) -> list[Entry]:
    """Every recorded change touching the claim, newest first."""
    from documents.models import Document

    plan_id = claim.policy.plan_id
    # A claim imported with thousands of items must not load every version of every item:
    # each source reads its newest rows only (an entry whose previous version falls outside
    # the window is left out rather than shown without its old value).
    window = limit * 2
    sources = [
        (Claim, _recent(Claim.history.filter(id=claim.pk), window), True, "change"),
        (
            ClientDamage,
            _recent(ClientDamage.history.filter(claim_id=claim.pk), window),
            True,
            "amount",
        ),
        (Expense, _recent(Expense.history.filter(claim_id=claim.pk), window), True, "amount"),
        (
            OvertimeEntry,
            _recent(OvertimeEntry.history.filter(claim_id=claim.pk), window),
            True,
            "amount",
        ),
        (Document, _recent(Document.history.filter(claim_id=claim.pk), window), True, "document"),
        (Payout, _recent(Payout.history.filter(claim_id=claim.pk), window), True, "amount"),
        (Recovery, _recent(Recovery.history.filter(claim_id=claim.pk), window), True, "amount"),
        (ClaimTask, _recent(ClaimTask.history.filter(claim_id=claim.pk), window), True, "change"),
        # The limits the assessment rests on: edits by admins, not their initial creation.
        (Plan, _recent(Plan.history.filter(id=plan_id), window), False, "plan"),
        (
            ExpenseSublimit,
            _recent(ExpenseSublimit.history.filter(plan_id=plan_id), window),
            True,
            "plan",
        ),
    ]
    status_rows = list(StatusChange.objects.filter(claim=claim))
    extensions = list(PaymentExtension.objects.filter(claim=claim))
    figures = list(FigureChange.objects.filter(claim=claim).order_by("-at", "-id")[:window])

    ids = set()
    for model, records, _, _ in sources:
        for rec in records:
            ids |= _user_ids(model, rec)
    ids |= {s.by_id for s in status_rows} | {e.by_id for e in extensions}
    ids |= {f.by_id for f in figures}
    ids.discard(None)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}

    entries: list[Entry] = []
    for model, records, include_created, kind in sources:
        entries += _entries_from_history(
            model, records, users, include_created=include_created, kind=kind
        )
    labels = dict(Claim.Status.choices)
    for s in status_rows:
        entries.append(
            Entry(
                at=s.at,
                user=user_label(users.get(s.by_id)),
                subject="状態",
                action="状態変更",
                changes=[
                    Change("状態", labels.get(s.from_status, "—"), labels.get(s.to_status, ""))
                ],
                reason=s.reason,
                kind="status",
            )
        )
    for e in extensions:
        entries.append(
            Entry(
                at=e.at,
                user=user_label(users.get(e.by_id)),
                subject="支払期限の延長 (保険法21条)",
                action="訂正" if e.reason.startswith("【訂正】") else "延長",
                changes=[Change("新しい支払期限", "", ymd(e.new_due_on))],
                reason=e.reason,
                kind="extension",
            )
        )
    entries += [figure_entry(f, users) for f in figures]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def figure_entry(f: FigureChange, users: dict) -> Entry:
    """A re-assessment that moved the claim's payable amount: before → after, and why."""
    changes = [Change("支払見込額", f"{f.old_payable:,}円", f"{f.new_payable:,}円")]
    if f.old_pending != f.new_pending:
        changes.append(Change("保留項目数", f"{f.old_pending}件", f"{f.new_pending}件"))
    return Entry(
        at=f.at,
        user=user_label(users.get(f.by_id)),
        subject=f"再査定: {f.cause}",
        action="支払見込額の変更",
        changes=changes,
        reason=f.reason,
        kind="figures",
    )


def authority_timeline(*, limit: int = 20) -> list[Entry]:
    """Recent changes to supervisors' approval limits (admin edits), newest first."""
    records = list(ApprovalAuthority.history.order_by("-history_date")[: limit * 2])
    ids = set()
    for rec in records:
        ids |= _user_ids(ApprovalAuthority, rec)
    ids.discard(None)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}
    # the previous version of each row in the window is needed for its diff
    entries = _entries_from_history(ApprovalAuthority, records, users)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
