"""Writes that matter: every status change and every claim creation goes through here."""

import uuid

from django.db import transaction
from django.utils import timezone

from claims.models import IN_PROGRESS_STATUSES, Claim, StatusChange
from claims.signals import completion_check_needed, documents_requested, send_required

S = Claim.Status


class ClaimError(Exception):
    """A business rule refused the change; the message is for the user (Japanese)."""


class FactConflict(ClaimError):
    """A change of the claim's facts that its items would contradict (claims.facts);
    `field` is the fact's form field, for the view to show the refusal next to it."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.field = field


# from-status -> the statuses it may move to
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.REPORTED, S.WITHDRAWN},
    S.REPORTED: {S.DOCUMENTS_REQUESTED, S.UNDER_ASSESSMENT, S.WITHDRAWN},
    S.DOCUMENTS_REQUESTED: {S.UNDER_ASSESSMENT, S.WITHDRAWN},
    S.UNDER_ASSESSMENT: {S.DOCUMENTS_REQUESTED, S.AWAITING_APPROVAL, S.WITHDRAWN},
    S.AWAITING_APPROVAL: {S.APPROVED, S.UNDER_ASSESSMENT, S.CLOSED},
    S.APPROVED: {S.PAID, S.UNDER_ASSESSMENT},
    S.PAID: {S.CLOSED, S.UNDER_ASSESSMENT, S.APPROVED},  # approved again: transfer returned
    S.CLOSED: {S.UNDER_ASSESSMENT, S.APPROVED},  # approved again: transfer returned
    S.WITHDRAWN: {S.REPORTED},
}

# Moves that need a written reason (reopening, sending back, rejecting, withdrawing).
REASON_REQUIRED: set[tuple[str, str]] = {
    (S.AWAITING_APPROVAL, S.UNDER_ASSESSMENT),
    (S.AWAITING_APPROVAL, S.CLOSED),
    (S.APPROVED, S.UNDER_ASSESSMENT),
    (S.CLOSED, S.UNDER_ASSESSMENT),
    (S.PAID, S.UNDER_ASSESSMENT),
    (S.PAID, S.APPROVED),
    (S.CLOSED, S.APPROVED),
    (S.WITHDRAWN, S.REPORTED),
    (S.DRAFT, S.WITHDRAWN),
    (S.REPORTED, S.WITHDRAWN),
    (S.DOCUMENTS_REQUESTED, S.WITHDRAWN),
    (S.UNDER_ASSESSMENT, S.WITHDRAWN),
}


# Statuses in which a claim stands decided on its payout (claims.approvals.payouts.DECIDED).
DECIDED_STATUSES = {S.APPROVED, S.PAID, S.CLOSED}


def allowed_transitions(claim: Claim) -> set[str]:
    return TRANSITIONS.get(claim.status, set())


@transaction.atomic
def claim_transition(*, claim: Claim, to: str, by, reason: str = "") -> Claim:
    """Move a claim to another status, guarded by the transition table, leaving a trace.

    Locks the claim row so two people cannot move the same claim at once. Callers add their
    own guards (pending items, four eyes, ...) before calling this.
    """
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    if to not in TRANSITIONS.get(locked.status, set()):
        raise ClaimError(
            f"「{locked.get_status_display()}」から「{S(to).label}」へは変更できません。"
        )
    reason = (reason or "").strip()
    if (locked.status, to) in REASON_REQUIRED and not reason:
        raise ClaimError("この操作には理由の入力が必要です。")
    StatusChange.objects.create(
        claim=locked, from_status=locked.status, to_status=to, reason=reason, by=by
    )
    was = locked.status
    locked.status = to
    if to == S.REPORTED and locked.reported_at is None:
        locked.reported_at = timezone.now()
    # the history row keeps 100 characters; the StatusChange row keeps the whole reason
    locked._change_reason = (reason or f"status → {to}")[:100]
    locked.save()
    if was in DECIDED_STATUSES and to not in DECIDED_STATUSES:
        # no longer frozen on its payout: today's assessment is what it stands at now
        claim_refresh_totals(claim=locked, cause="再開による再査定", reason=reason, by=by)
    claim.refresh_from_db()
    return claim


def next_claim_number(pk: int, when=None) -> str:
    when = when or timezone.localdate()
    return f"C{when:%y}-{pk:06d}"


def claim_refresh_totals(*, claim: Claim, cause: str = "", reason: str = "", by=None) -> Claim:
    """Re-assess the claim and store the queue's summary columns (claims.reassess.claim_figures:
    a decided claim keeps its approval snapshot's figures). With a `cause`, a changed payable
    amount is also written to the claim's timeline (before → after, why)."""
    from claims.reassess import Figures, claim_figures, figure_change

    figures = claim_figures(claim)  # reads each kind of row once
    if cause:
        stored = Claim.objects.filter(pk=claim.pk).values_list(
            "total_claimed", "total_payable", "pending_items"
        )
        entry = figure_change(
            claim, Figures(*stored.get()), figures, cause=cause, reason=reason, by=by
        )
        if entry is not None:
            entry.save()
    Claim.objects.filter(pk=claim.pk).update(
        total_claimed=figures.total_claimed,
        total_payable=figures.total_payable,
        pending_items=figures.pending_items,
    )
    claim.total_claimed = figures.total_claimed
    claim.total_payable = figures.total_payable
    claim.pending_items = figures.pending_items
    return claim


def _after_item_change(claim: Claim) -> None:
    """An item changed: re-assess, and let the checklist start or stop the payment clock
    (ticked evidence or a new client changes what documents are still missing)."""
    claim_refresh_totals(claim=claim)
    completion_check_needed.send(sender=Claim, claim=claim)


# --- the handler's desk (#5): intake, facts, items, assignment, guarded moves ------------

# Statuses in which a claim's facts and items may still change. Awaiting approval is locked
# too: the approver judges what they see; sending back reopens the claim for edits.
EDITABLE_STATUSES = {S.DRAFT, S.REPORTED, S.DOCUMENTS_REQUESTED, S.UNDER_ASSESSMENT}
OPEN_STATUSES = {S.DRAFT, *IN_PROGRESS_STATUSES}
FACT_FIELDS = (
    "noticed_on",
    "description",
    "own_cloud_service",
    "own_cloud_service_free_promotional",
    "direct_recovery_elected",
    "talks_difficult",
)


def _validation_error_text(exc) -> str:
    from django.core.exceptions import ValidationError

    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _full_clean(obj, **kwargs) -> None:
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise ClaimError("入力内容に誤りがあります: " + _validation_error_text(exc)) from exc


def _lock_for_edit(claim: Claim, by) -> Claim:
    """Lock the claim row and check that `by` may change its facts and items now."""
    from claims import permissions

    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    if not permissions.can_edit(by, locked):
        raise ClaimError("この事故を変更する権限がありません。")
    if locked.status not in EDITABLE_STATUSES:
        raise ClaimError(
            f"「{locked.get_status_display()}」の事故は変更できません。"
            + ("差戻し後に変更してください。" if locked.status == S.AWAITING_APPROVAL else "")
        )
    return locked


@transaction.atomic
def claim_create(
    *,
    by,
    policy,
    incident,
    noticed_on,
    description: str = "",
    own_cloud_service: bool = False,
    own_cloud_service_free_promotional: bool = False,
    direct_recovery_elected: bool = False,
    submit: bool = False,
) -> Claim:
    """File an accident report (事故連絡票, Q1) as a draft; `submit=True` also reports it."""
    from claims import permissions

    if not permissions.is_desk_user(by):
        raise ClaimError("事故を受け付ける権限がありません。")
    if noticed_on and noticed_on > timezone.localdate():
        raise ClaimError("事故を知った日に未来の日付は指定できません。")
    claim = Claim(
        number=f"new-{uuid.uuid4().hex[:16]}",
        policy=policy,
        incident=incident,
        status=S.DRAFT,
        created_by=by,
        noticed_on=noticed_on,
        description=description or "",
        own_cloud_service=own_cloud_service,
        own_cloud_service_free_promotional=own_cloud_service and own_cloud_service_free_promotional,
        direct_recovery_elected=direct_recovery_elected,
    )
    _full_clean(claim, exclude=["number"])
    claim._change_reason = "accident report filed"
    claim.save()
    claim.number = next_claim_number(claim.pk)
    claim.save(update_fields=["number"])
    if submit:
        claim_submit(claim=claim, by=by)
    return claim


@transaction.atomic
def claim_submit(*, claim: Claim, by) -> Claim:
    """Draft -> reported. The filer becomes the handler when they are a handler."""
    from claims import permissions

    if claim.status != S.DRAFT:
        raise ClaimError("下書きの事故だけを提出できます。")
    if claim.created_by_id != by.pk:
        raise ClaimError("下書きを提出できるのは登録者だけです。")
    claim_transition(claim=claim, to=S.REPORTED, by=by)
    if claim.handler_id is None and permissions.is_handler(by):
        Claim.objects.filter(pk=claim.pk).update(handler=by)
        claim.handler = by
    return claim


@transaction.atomic
def claim_update_facts(*, claim: Claim, by, **facts) -> Claim:
    """Change the reported facts (own cloud service, Q7 election, Q8 flag, ...)."""
    unknown = set(facts) - set(FACT_FIELDS)
    if unknown:
        raise ClaimError("変更できない項目です: " + ", ".join(sorted(unknown)))
    locked = _lock_for_edit(claim, by)
    if facts.get("noticed_on") and facts["noticed_on"] > timezone.localdate():
        raise ClaimError("事故を知った日に未来の日付は指定できません。")
    for name, value in facts.items():
        setattr(locked, name, value)
    if not locked.own_cloud_service:
        locked.own_cloud_service_free_promotional = False
        _refuse_contradicted_items(locked)
    _full_clean(locked)
    locked._change_reason = "facts changed"
    locked._history_user = by  # four eyes: whoever changed the facts (claims.approvals.four_eyes)
    locked.save()
    claim_refresh_totals(claim=locked)
    claim.refresh_from_db()
    return claim


def _refuse_contradicted_items(claim: Claim) -> None:
    """One truth per fact: turning 「自社でクラウドサービスを提供」 off while items say the
    insured's service stopped (自社クラウド停止) or the client did IT業務 on it would leave two
    truths. Refused, naming the items, so the handler corrects them first (nothing is changed
    behind their back: whether such an item is now a provider-attack item or an IT-user act
    is a judgement only they can make)."""
    from claims.facts import claim_conflicts

    conflicts = claim_conflicts(claim, own_cloud_service=False, blocking_only=True)
    if conflicts:
        listed = "、".join(f"{c.item} ({c.what.split('だが')[0]})" for c in conflicts[:10])
        more = f" ほか{len(conflicts) - 10}件" if len(conflicts) > 10 else ""
        raise FactConflict(
            "「自社でクラウドサービスを提供」をオフにできません。次の項目が被保険者自身の"
            f"クラウドサービスを前提としています: {listed}{more}。"
            "先にこれらの項目の原因・業務の性質を直してください (Q2〜Q4)。",
            field="own_cloud_service",
        )


def _check_evidence_note(item, by) -> None:
    """A new or changed evidence note records who wrote it and when (claims.evidence). That a
    tick with no file needs one at all is OvertimeEntry.clean()'s rule (run by _full_clean)."""
    from claims.models import OvertimeEntry

    if not isinstance(item, OvertimeEntry):
        return
    before = ""
    if item.pk is not None:
        before = (
            OvertimeEntry.objects.filter(pk=item.pk).values_list("evidence_note", flat=True).first()
            or ""
        )
    if item.evidence_note != before:
        item.evidence_note_by = by if item.evidence_note else None
        item.evidence_note_at = timezone.now() if item.evidence_note else None


def next_action_refusal(user, claim) -> str | None:
    """Why `user` may not set `claim`'s diary date, or None: the claim's handler or a
    supervisor, on a claim still in progress."""
    from claims import permissions

    if not (permissions.can_edit(user, claim) or permissions.sees_all(user)):
        return "この事故の次回対応日を設定する権限がありません。"
    if claim.status not in IN_PROGRESS_STATUSES:
        return f"「{claim.get_status_display()}」の事故には次回対応日を設定できません。"
    return None


@transaction.atomic
def claim_set_next_action(*, claim: Claim, by, on, note: str = "") -> Claim:
    """Set (or, with on=None, clear) the claim's diary date: the day to pick it up again."""
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    refusal = next_action_refusal(by, locked)
    if refusal:
        raise ClaimError(refusal)
    if on is not None and on < timezone.localdate():
        raise ClaimError("次回対応日には今日以降の日付を指定してください。")
    locked.next_action_on = on
    locked.next_action = (note or "").strip() if on is not None else ""
    _full_clean(locked)
    locked._change_reason = "next action set" if on else "next action done"
    locked.save(update_fields=["next_action_on", "next_action", "updated_at"])
    claim.next_action_on, claim.next_action = locked.next_action_on, locked.next_action
    return claim


def task_refusal(user, claim) -> str | None:
    """Why `user` may not add or complete `claim`'s tasks (対応予定), or None: whoever may
    edit the claim (its handler) or a supervisor, while the claim is in progress."""
    from claims import permissions

    if not (permissions.can_edit(user, claim) or permissions.sees_all(user)):
        return "この事故の対応予定を変更する権限がありません。"
    if claim.status not in IN_PROGRESS_STATUSES:
        return f"「{claim.get_status_display()}」の事故には対応予定を登録できません。"
    return None


@transaction.atomic
def claim_add_task(*, claim: Claim, by, what: str, due_on, assignee=None):
    """Add a dated task (対応予定) to a claim; by default for the claim's handler (or, on an
    unassigned claim, whoever adds it)."""
    from claims.models import ClaimTask

    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    refusal = task_refusal(by, locked)
    if refusal:
        raise ClaimError(refusal)
    if due_on is None:
        raise ClaimError("対応日を入力してください。")
    if due_on < timezone.localdate():
        raise ClaimError("対応日には今日以降の日付を指定してください。")
    if assignee is None:
        assignee = locked.handler or by
    elif assignee.pk != by.pk and not (
        assignee.is_active and assignee.groups.filter(name="handler").exists()
    ):
        raise ClaimError("対応予定の担当者には担当者・承認者を指定してください。")
    task = ClaimTask(
        claim=locked, what=(what or "").strip(), due_on=due_on, assignee=assignee, created_by=by
    )
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def claim_complete_task(*, task, by):
    """Mark a task done (who, when). A task done once stays done."""
    from claims.models import ClaimTask

    locked = ClaimTask.objects.select_for_update().select_related("claim").get(pk=task.pk)
    refusal = task_refusal(by, locked.claim)
    if refusal:
        raise ClaimError(refusal)
    if locked.done_at is not None:
        raise ClaimError("この対応予定はすでに完了しています。")
    locked.done_by, locked.done_at = by, timezone.now()
    locked.full_clean()
    locked._change_reason = "task done"
    locked.save(update_fields=["done_by", "done_at"])
    task.done_by, task.done_at = locked.done_by, locked.done_at
    return task


@transaction.atomic
def claim_assign(*, claim: Claim, handler, by) -> Claim:
    """Give a claim to a handler. Supervisors assign anyone; handlers take unassigned
    claims for themselves only."""
    from claims import permissions

    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    if locked.status == S.DRAFT:
        raise ClaimError(f"{locked.number}: 下書きは割り当てできません。")
    if locked.status not in IN_PROGRESS_STATUSES:
        # as the claim page offers it: a settled claim keeps its handler (or none)
        raise ClaimError(
            f"{locked.number}: 「{locked.get_status_display()}」の事故は割り当てできません。"
        )
    if not permissions.can_view(by, locked) or not permissions.can_assign(by, locked):
        raise ClaimError(f"{locked.number}: 割り当ての権限がありません。")
    if not permissions.is_handler(handler):
        raise ClaimError("割当先は事故担当者 (handler) でなければなりません。")
    if not (permissions.is_supervisor(by) or permissions.is_admin(by)) and handler.pk != by.pk:
        raise ClaimError("担当者は未割当の事故を自分にだけ割り当てられます。")
    if locked.handler_id == handler.pk:
        claim.handler = handler
        return claim  # already theirs: no history row, no change to record
    locked.handler = handler
    locked._change_reason = f"assigned to {handler.username}"
    locked.save(update_fields=["handler", "updated_at"])
    claim.handler = handler
    return claim


def claim_add_note(*, claim: Claim, by, channel: str, party: str, body: str):
    """Append a contact-log entry (経過記録) to a claim anyone on the desk may see."""
    from claims import permissions
    from claims.models import ClaimNote

    if not (permissions.can_view(by, claim) and permissions.is_desk_user(by)):
        raise ClaimError("この事故に経過記録を残す権限がありません。")
    note = ClaimNote(claim=claim, channel=channel, party=party, body=body.strip(), by=by)
    note.full_clean()
    note.save()
    return note


def _check_mover(claim: Claim, by) -> None:
    """Lock the claim row (the caller's transaction) and check that `by` may move it as it
    stands now, not as the page read it: a claim taken by another handler meanwhile is
    theirs."""
    from claims import permissions

    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    if not permissions.can_edit(by, locked):
        raise ClaimError("この事故の状態を変更する権限がありません。")


@transaction.atomic
def claim_request_documents(*, claim: Claim, by, reason: str = "") -> Claim:
    """The desk's 書類依頼 button: record exactly what is missing (documents.services) and
    move the claim, so the request letter and the trace always match the move."""
    _check_mover(claim, by)
    send_required(documents_requested, Claim, claim=claim, by=by, message=reason)
    claim.refresh_from_db()
    return claim


@transaction.atomic
def claim_start_assessment(*, claim: Claim, by, reason: str = "") -> Claim:
    _check_mover(claim, by)
    if claim.status not in {S.REPORTED, S.DOCUMENTS_REQUESTED}:
        raise ClaimError("事故受付または書類依頼中の事故だけを査定に回せます。")
    return claim_transition(claim=claim, to=S.UNDER_ASSESSMENT, by=by, reason=reason)


def unexplained_cuts(claim: Claim) -> list:
    """Client damages recognized below what was claimed with no written reason (rows older
    than the rule, or written past the form): each cut needs its basis before approval."""
    from django.db.models import F

    return list(claim.damages.filter(recognized__lt=F("claimed"), cut_reason=""))


def record_checklist_override(*, claim: Claim, stage: str, missing, by, reason: str):
    """Keep who moved the claim on without a complete Q1 stage, when, why and what was
    missing (documents.models.ChecklistOverride). Returns the text for the status change."""
    from documents.models import ChecklistOverride

    reason = (reason or "").strip()
    if not reason:
        raise ClaimError("書類不足のまま進める理由を入力してください。")
    texts = [item.text for item in missing]
    ChecklistOverride.objects.create(
        claim=claim, stage=stage, missing=texts, reason=reason[:2000], by=by
    )
    label = ChecklistOverride.Stage(stage).label.split(" (")[0]
    return f"{label}不足のまま例外として進める (不足: {'、'.join(texts)}): {reason}"


def missing_documents_text(missing) -> str:
    return "、".join(item.text for item in missing)


def send_to_approval_blocker(claim: Claim, *, refresh: bool = False) -> str | None:
    """Why 承認に回す would be refused whatever the handler types (no override possible),
    or None. The claim page shows the button disabled with this reason (issue 18, item 8);
    claim_send_to_approval raises it. The Q1 documents are not here: they can be overridden
    with a reason."""
    if claim.direct_recovery_elected:
        return (
            "クラウド事業者への直接請求 (Q7) が選択されているため、保険金は支払えません。"
            "承認に回すことはできません。"
        )
    has_items = claim.damages.exists() or claim.expenses.exists() or claim.overtime_entries.exists()
    if not has_items:
        return "損害・費用・超過勤務が1件もないため、承認に回せません。"
    if refresh:
        claim_refresh_totals(claim=claim)
    if claim.pending_items:
        return (
            f"保留中の項目が {claim.pending_items} 件あります (超過勤務の証憑不足)。"
            "証憑が揃ってから承認に回してください。"
        )
    cuts = unexplained_cuts(claim)
    if cuts:
        return (
            "認定額が請求額を下回る損害に減額の理由がありません: "
            + "、".join(f"{d.client_name} ({d.claimed:,}円 → {d.recognized:,}円)" for d in cuts)
            + "。理由を入力してから承認に回してください。"
        )
    return None


@transaction.atomic
def claim_send_to_approval(
    *, claim: Claim, by, reason: str = "", override_reason: str = ""
) -> Claim:
    """Under assessment -> awaiting approval, only when there is something to approve, every
    cut has its reason, and the Q1 damage substantiation (損害額の裏付書類) is complete, or
    `override_reason` says why the claim goes on without it (recorded, who and when)."""
    from documents.checklist import STAGE_SUBSTANTIATION, claim_checklist

    _check_mover(claim, by)
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    if locked.status != S.UNDER_ASSESSMENT:
        raise ClaimError("査定中の事故だけを承認に回せます。")
    blocker = send_to_approval_blocker(locked, refresh=True)
    if blocker:
        raise ClaimError(blocker)
    missing = claim_checklist(locked).stage(STAGE_SUBSTANTIATION).items
    missing = [item for item in missing if not item.satisfied]
    if missing:
        if not (override_reason or "").strip():
            raise ClaimError(
                f"損害額の裏付書類 (Q1) が揃っていません: {missing_documents_text(missing)}。"
                "書類が揃ってから承認に回すか、理由を記入して例外として承認に回してください。"
            )
        override = record_checklist_override(
            claim=locked,
            stage=STAGE_SUBSTANTIATION,
            missing=missing,
            by=by,
            reason=override_reason,
        )
        reason = f"{reason.strip()} {override}".strip() if reason else override
    return claim_transition(claim=claim, to=S.AWAITING_APPROVAL, by=by, reason=reason)


@transaction.atomic
def claim_withdraw(*, claim: Claim, by, reason: str) -> Claim:
    """The insured withdraws the claim (取下げ); needs a reason. Read-only afterwards."""
    from claims import permissions

    if claim.status == S.DRAFT:
        if claim.created_by_id != by.pk:
            raise ClaimError("下書きを取り下げられるのは登録者だけです。")
    else:
        _check_mover(claim, by)
    if not permissions.can_view(by, claim):
        raise ClaimError("この事故の状態を変更する権限がありません。")
    return claim_transition(claim=claim, to=S.WITHDRAWN, by=by, reason=reason)


def duplicate_refusal(user, claim) -> str | None:
    """Why `user` may not resolve `claim`'s possible-duplicate warning, or None: the
    claim's handler or a supervisor, while the claim is still open."""
    from claims import permissions

    if not (permissions.can_edit(user, claim) or permissions.sees_all(user)):
        return "この事故の重複報告の警告を処理する権限がありません。"
    if claim.status not in OPEN_STATUSES:
        return f"「{claim.get_status_display()}」の事故では重複報告の警告を処理できません。"
    return None


def possible_duplicates(*, claim=None, user, policy_id=None, incident_id=None) -> list[Claim]:
    """Other open claims on the same policy and incident that `user` may see (a likely
    second report of the same accident). Give a claim, or a policy and incident (intake)."""
    from claims import permissions
    from claims.models import DuplicateClearance

    if claim is not None:
        policy_id, incident_id = claim.policy_id, claim.incident_id
    if not policy_id or not incident_id:
        return []
    qs = Claim.objects.filter(permissions.visible_claims_q(user)).filter(
        policy_id=policy_id, incident_id=incident_id, status__in=OPEN_STATUSES
    )
    if claim is not None:
        # Pairs the desk decided are separate reports (重複ではない) warn no more.
        cleared = DuplicateClearance.objects.filter(claim=claim).values("other_id")
        qs = qs.exclude(pk=claim.pk).exclude(pk__in=cleared)
    return list(qs.order_by("-id").only("id", "number", "status")[:5])


def _duplicate_of(claim: Claim, by, other_ids) -> list[Claim]:
    candidates = {c.pk: c for c in possible_duplicates(claim=claim, user=by)}
    chosen = [candidates[pk] for pk in other_ids if pk in candidates]
    if not chosen:
        raise ClaimError("重複の疑いがある事故が見つかりません (すでに処理済みかもしれません)。")
    return chosen


def _lock_for_duplicates(claim: Claim, by, other_ids) -> Claim:
    """Lock `claim` and those of `other_ids` that `by` may see, in id order: two people
    resolving one pair (from either page, or one withdrawing while the other clears) wait
    for each other rather than deadlock or both succeed; the loser's checks then read what
    the winner recorded."""
    from django.db.models import Q

    from claims import permissions

    ids = {int(pk) for pk in other_ids}
    rows = (
        Claim.objects.select_for_update()
        .filter(Q(pk=claim.pk) | (Q(pk__in=ids) & permissions.visible_claims_q(by)))
        .order_by("pk")
    )
    return next(c for c in rows if c.pk == claim.pk)


@transaction.atomic
def claim_clear_duplicates(*, claim: Claim, others, by, reason: str) -> list[Claim]:
    """重複ではない: record that `claim` and each of `others` (ids of its possible
    duplicates) are separate reports, with the reason, both ways; the warning goes for good
    on both pages. A note in each file's 経過記録 says who decided and why."""
    from claims.models import ClaimNote, DuplicateClearance

    claim = _lock_for_duplicates(claim, by, others)
    refusal = duplicate_refusal(by, claim)
    if refusal:
        raise ClaimError(refusal)
    reason = (reason or "").strip()
    if not reason:
        raise ClaimError("重複ではないと判断した理由を入力してください。")
    if len(reason) > 1000:
        raise ClaimError("理由は1000文字以内で入力してください。")
    chosen = _duplicate_of(claim, by, others)
    for other in chosen:
        for a, b in ((claim, other), (other, claim)):
            row = DuplicateClearance(claim=a, other=b, reason=reason, by=by)
            _full_clean(row, validate_unique=False, validate_constraints=False)
            DuplicateClearance.objects.get_or_create(
                claim=a, other=b, defaults={"reason": reason, "by": by}
            )
            ClaimNote.objects.create(
                claim=a,
                channel=ClaimNote.Channel.INTERNAL,
                party=ClaimNote.Party.INTERNAL,
                body=f"重複報告の確認: {b.number} とは重複ではないと判断。理由: {reason}",
                by=by,
            )
    return chosen


@transaction.atomic
def claim_withdraw_duplicate(*, claim: Claim, other: int, by, note: str = "") -> Claim:
    """取下げ (重複): withdraw `claim` as a second report of the claim `other` (one of its
    possible duplicates), the reason naming that claim."""
    locked = _lock_for_duplicates(claim, by, [other])
    refusal = duplicate_refusal(by, locked)
    if refusal:
        raise ClaimError(refusal)
    (original,) = _duplicate_of(claim, by, [other])
    reason = f"重複報告のため取下げ ({original.number} と同一の事故)"
    note = (note or "").strip()
    if note:
        reason = f"{reason}: {note[:500]}"
    return claim_withdraw(claim=claim, by=by, reason=reason)


@transaction.atomic
def claim_close(*, claim: Claim, by, reason: str = "") -> Claim:
    """Close the file of a paid claim (終了). It can be reopened for a late claim."""
    _check_mover(claim, by)
    if claim.status != S.PAID:
        raise ClaimError("支払済みの事故だけを終了できます。")
    return claim_transition(claim=claim, to=S.CLOSED, by=by, reason=reason or "支払完了により終了")


def _restart_payment_clock(claim: Claim, by) -> None:
    """A reopened claim is a new request for payment: its 30-day clock (保険法21条) counts
    from when the documents for it are complete, not from the first round's dates (long
    past, they would show it overdue at once). Starts today if nothing is missing."""
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    locked.documents_complete_on = locked.payment_due_on = None
    locked._change_reason = "再開: 支払期限は新しい請求の書類完備から数え直し"
    locked._history_user = by
    locked.save(update_fields=["documents_complete_on", "payment_due_on", "updated_at"])
    completion_check_needed.send(sender=Claim, claim=locked)
    claim.refresh_from_db()


@transaction.atomic
def claim_reopen(*, claim: Claim, by, reason: str) -> Claim:
    """Reopen a paid or closed claim (-> under assessment; a later approval pays only the
    difference, claims.approvals.payouts) or a withdrawn one (-> reported). Needs a reason; the status
    change keeps it."""
    _check_mover(claim, by)
    if claim.status in {S.PAID, S.CLOSED}:
        claim_transition(claim=claim, to=S.UNDER_ASSESSMENT, by=by, reason=reason)
        _restart_payment_clock(claim, by)
        return claim
    if claim.status == S.WITHDRAWN:
        return claim_transition(claim=claim, to=S.REPORTED, by=by, reason=reason)
    raise ClaimError("支払済み・終了・取下げの事故だけを再開できます。")


# The moves a handler makes from the claim page: action -> (label, service, to, needs reason).
# Approve / send back / reject / mark paid / reopen-after-approval belong to the approvals desk.
DESK_ACTIONS = {
    "submit": ("提出 (事故受付)", "claim_submit", {S.DRAFT}, False),
    "request_documents": (
        "書類を依頼",
        "claim_request_documents",
        {S.REPORTED, S.UNDER_ASSESSMENT},
        False,
    ),
    "start_assessment": (
        "査定を開始",
        "claim_start_assessment",
        {S.REPORTED, S.DOCUMENTS_REQUESTED},
        False,
    ),
    "send_to_approval": ("承認に回す", "claim_send_to_approval", {S.UNDER_ASSESSMENT}, False),
    "withdraw": (
        "取下げ",
        "claim_withdraw",
        {S.DRAFT, S.REPORTED, S.DOCUMENTS_REQUESTED, S.UNDER_ASSESSMENT},
        True,
    ),
    "close": ("終了", "claim_close", {S.PAID}, False),
    "reopen": ("再開", "claim_reopen", {S.PAID, S.CLOSED, S.WITHDRAWN}, True),
}


def desk_actions(claim: Claim, user) -> list[tuple[str, str, bool]]:
    """The (action, label, needs_reason) moves `user` may try on `claim` now."""
    from claims import permissions

    out = []
    for action, (label, _fn, statuses, needs_reason) in DESK_ACTIONS.items():
        if claim.status not in statuses:
            continue
        if action == "submit" or (action == "withdraw" and claim.status == S.DRAFT):
            allowed = claim.created_by_id == user.pk
        else:
            allowed = permissions.can_edit(user, claim)
        if allowed:
            out.append((action, label, needs_reason))
    return out


def claim_desk_action(
    *, claim: Claim, action: str, by, reason: str = "", override_reason: str = ""
) -> Claim:
    """Run one of DESK_ACTIONS by name (the claim page's status buttons); `override_reason`
    only for 承認に回す with the Q1 substantiation incomplete."""
    if action not in DESK_ACTIONS:
        raise ClaimError("不明な操作です。")
    fn = globals()[DESK_ACTIONS[action][1]]
    if action == "submit":
        return fn(claim=claim, by=by)
    if action == "send_to_approval":
        return fn(claim=claim, by=by, reason=reason, override_reason=override_reason)
    return fn(claim=claim, by=by, reason=reason)


# --- line items --------------------------------------------------------------------------


def _item_model(section: str):
    from claims.models import ClientDamage, Expense, OvertimeEntry

    try:
        return {"damages": ClientDamage, "expenses": Expense, "overtime": OvertimeEntry}[section]
    except KeyError:
        raise ClaimError("不明な区分です。") from None


@transaction.atomic
def item_create(*, claim: Claim, section: str, by, data: dict):
    """Add a damage, expense or overtime entry; re-assess the claim in the same transaction."""
    model = _item_model(section)
    locked = _lock_for_edit(claim, by)
    item = model(claim=locked, created_by=by, updated_by=by, **data)
    _full_clean(item)
    _check_evidence_note(item, by)
    item.save()
    _after_item_change(locked)
    return item


@transaction.atomic
def item_update(*, item, by, data: dict):
    locked = _lock_for_edit(item.claim, by)
    item = type(item).objects.select_for_update().get(pk=item.pk, claim=locked)
    for name, value in data.items():
        setattr(item, name, value)
    item.updated_by = by
    _full_clean(item)
    _check_evidence_note(item, by)
    item.save()
    _after_item_change(locked)
    return item


@transaction.atomic
def item_delete(*, item, by) -> None:
    locked = _lock_for_edit(item.claim, by)
    for row in type(item).objects.filter(pk=item.pk, claim=locked):
        row._history_user = by  # the deletion's history row names who (claims.approvals.four_eyes)
        row.delete()
    _after_item_change(locked)


def open_send_back_request(claim):
    """The newest 差戻し依頼 made since the claim last went to approval, while it still waits
    for approval; None otherwise."""
    from claims.models import SendBackRequest, StatusChange

    if claim.status != Claim.Status.AWAITING_APPROVAL:
        return None
    submitted = (
        StatusChange.objects.filter(claim=claim, to_status=Claim.Status.AWAITING_APPROVAL)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    requests = SendBackRequest.objects.filter(claim=claim).select_related("by")
    if submitted is not None:
        requests = requests.filter(at__gte=submitted)
    return requests.first()


def send_back_request_refusal(user, claim) -> str | None:
    """Why `user` may not ask for `claim` to be sent back, or None: the claim's handler
    (whoever may edit it), while it waits for approval."""
    from claims import permissions

    if not permissions.can_edit(user, claim):
        return "この事故の差戻しを依頼する権限がありません。"
    if claim.status != Claim.Status.AWAITING_APPROVAL:
        return "差戻しを依頼できるのは承認待ちの事故のみです。"
    return None


@transaction.atomic
def claim_request_send_back(*, claim: Claim, by, reason: str):
    """Ask a supervisor to send a claim back from 承認待ち (差戻し依頼), with the reason."""
    from claims.models import SendBackRequest

    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    refusal = send_back_request_refusal(by, locked)
    if refusal:
        raise ClaimError(refusal)
    if not (reason or "").strip():
        raise ClaimError("差戻し依頼の理由を入力してください。")
    request = SendBackRequest(claim=locked, by=by, reason=reason.strip())
    request.full_clean()
    request.save()
    return request
