"""The claim page: facts, items, moves, contact log, tasks, duplicates.

Views stay thin: reads through claims.claim_page.selectors, writes through claims.services,
access through claims.permissions. htmx requests to the claim page get the live part only
(totals and the three item sections); everything also works as a plain POST and redirect.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims import permissions, services
from claims.approvals import frozen, payouts
from claims.claim_page import selectors
from claims.claim_page.forms import (
    ITEM_FORMS,
    ClaimFactsForm,
    ClaimNoteForm,
    NextActionForm,
    TaskForm,
)
from claims.fields import handler_choices
from claims.models import IN_PROGRESS_STATUSES, Claim
from claims.services import ClaimError
from claimsdesk.formdata import ids as form_ids
from claimsdesk.text import BIDI_MESSAGE, has_bidi_controls
from coverage import vocab
from coverage.adapters import claim_assessment

NOTES_SHOWN = 200  # a claim's contact log, newest first; older notes are in the admin

security_log = logging.getLogger("claimsdesk.security")

SECTION_TITLES = {
    "damages": "顧問先の損害",
    "expenses": "費用",
    "overtime": "超過勤務",
}


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _claim_url(claim) -> str:
    return reverse("claims:detail", args=[claim.number])


def _back_to_claim(request, claim):
    """After a POST: a redirect, or for htmx a client-side redirect (no partial swap)."""
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = _claim_url(claim)
        return response
    return redirect(_claim_url(claim))


# --- the claim page ----------------------------------------------------------------------


def _claim_context(
    request,
    claim,
    *,
    add_forms=None,
    editing=None,
    facts_form=None,
    note_form=None,
    next_form=None,
    task_form=None,
):
    editable = permissions.can_edit(request.user, claim) and (
        claim.status in services.EDITABLE_STATUSES
    )
    add_forms = add_forms or {}
    forms = {
        section: add_forms.get(section) or form_class(prefix=f"add-{section}", claim=claim)
        for section, form_class in ITEM_FORMS.items()
    }
    assessment = claim_assessment(claim)
    # A decided claim shows what was decided (its payout's snapshot); today's rules only as
    # a difference note (claims.approvals.frozen).
    decided = payouts.decided_payout(claim)
    decided_difference = None
    if decided is not None and (decided.snapshot or {}).get("assessment"):
        today = assessment.assessment
        assessment = frozen.frozen_assessment(claim, decided)
        decided_difference = frozen.difference(assessment.assessment, today)
        decided.terms = frozen.frozen_terms(decided)
    else:
        decided = None
    pending = [
        (row, decision, section)
        for section, pairs in (
            ("damages", assessment.damages),
            ("expenses", assessment.expenses),
            ("overtime", assessment.overtime),
        )
        for row, decision in pairs
        if decision.decision == vocab.DECISION_PENDING
    ]
    # A claim reopened after payment: what approving it now would add to what was paid.
    due = None
    if claim.status not in payouts.DECIDED:
        due = payouts.next_payment(claim, assessment.assessment)
    actions = services.desk_actions(claim, request.user)
    return {
        "claim": claim,
        # Q1: what 承認に回す still lacks; the button then asks for an override reason
        "send_missing": _send_missing(claim)
        if any(a == "send_to_approval" for a, *_ in actions)
        else [],
        # refusals no reason can override: the button is shown disabled with the reason
        "send_blocker": services.send_to_approval_blocker(claim)
        if any(a == "send_to_approval" for a, *_ in actions)
        else None,
        "assessment": assessment,
        "result": assessment.assessment,
        "due": due if due and due.previously_paid else None,
        "decided": decided,
        "decided_difference": decided_difference,
        "pending": pending,
        "editable": editable,
        "add_forms": forms,
        "editing": editing,
        "facts_form": facts_form or ClaimFactsForm(instance=claim, prefix="facts"),
        "actions": actions,
        "duplicates": services.possible_duplicates(claim=claim, user=request.user),
        "can_resolve_duplicates": services.duplicate_refusal(request.user, claim) is None,
        "section_titles": SECTION_TITLES,
        "vocab": vocab,
        "evidence_kinds": vocab.EVIDENCE_KINDS,
        "read_only_reason": _read_only_reason(request.user, claim),
        # lazy: only the full page lists the notes, the htmx fragments never do
        "notes": claim.notes.select_related("by")[:NOTES_SHOWN],
        "note_form": note_form or ClaimNoteForm(),
        "next_form": next_form
        or NextActionForm(initial={"on": claim.next_action_on, "note": claim.next_action}),
        "can_plan": services.next_action_refusal(request.user, claim) is None,
        # 対応予定: open tasks first (earliest day on top), then the done ones
        "tasks": lambda: selectors.claim_tasks(claim),
        # lazy: the handlers are read only when the page shows the form
        "task_form": task_form or SimpleLazyObject(lambda: TaskForm(handlers=handler_choices())),
        "can_task": services.task_refusal(request.user, claim) is None,
        # 差戻し依頼: the handler asks a supervisor to pull the claim back from 承認待ち
        "send_back_request": services.open_send_back_request(claim)
        if claim.status == Claim.Status.AWAITING_APPROVAL
        else None,
        "can_ask_send_back": services.send_back_request_refusal(request.user, claim) is None,
        # four eyes (claims.approvals.four_eyes): a supervisor who edits loses the right to approve
        "supervisor_edits": editable and permissions.is_supervisor(request.user),
        **_assign_context(request.user, claim),
    }


def _send_missing(claim) -> list:
    from documents.checklist import STAGE_SUBSTANTIATION, claim_checklist

    stage = claim_checklist(claim).stage(STAGE_SUBSTANTIATION)
    return [i for i in stage.items if not i.satisfied]


def _assign_context(user, claim) -> dict:
    """The claim page's assignment control: what this user may do about the handler here.

    Supervisors and admins (re)assign any open claim to any handler; a handler takes an
    unassigned open claim for themselves. Drafts and settled claims show the name only.
    Posts to the queue's assign view, which checks everything again.
    """
    if claim.status not in IN_PROGRESS_STATUSES:
        return {}
    if permissions.is_supervisor(user) or permissions.is_admin(user):
        return {"assign_handlers": handler_choices()}
    if permissions.can_assign(user, claim) and permissions.is_handler(user):
        return {"can_take": True}
    return {}


def _read_only_reason(user, claim):
    if claim.status not in services.EDITABLE_STATUSES:
        if claim.status == Claim.Status.AWAITING_APPROVAL:
            return "承認待ちのため変更できません。変更が必要な場合は差戻しを依頼してください。"
        return f"「{claim.get_status_display()}」の事故は読み取り専用です。"
    if not permissions.can_edit(user, claim):
        return "この事故の担当者ではないため、閲覧のみできます。"
    return ""


def _render_claim(request, claim, *, status=200, **kwargs):
    context = _claim_context(request, claim, **kwargs)
    template = "claims/_claim_live.html" if _is_htmx(request) else "claims/claim_detail.html"
    if _is_htmx(request) and status >= 400:
        status = 200  # htmx swaps only 2xx answers; the field errors are in the fragment
    return render(request, template, context, status=status)


@login_required
@require_GET
def claim_detail(request, number):
    claim = selectors.claim_for_page(number=number, user=request.user)
    return _render_claim(request, claim)


def _claim_for_change(request, number):
    """The claim for a write view: 404 when invisible, 403 when visible but not the
    user's to change."""
    claim = selectors.claim_for_page(number=number, user=request.user)
    if not permissions.can_edit(request.user, claim):
        raise PermissionDenied
    return claim


def _refused(request, claim, exc):
    messages.error(request, str(exc))
    return _back_to_claim(request, claim)


@login_required
@require_POST
def claim_facts(request, number):
    claim = _claim_for_change(request, number)
    form = ClaimFactsForm(request.POST, instance=Claim(), prefix="facts")
    if not form.is_valid():
        fresh = selectors.claim_for_page(number=number, user=request.user)
        return _render_claim(request, fresh, facts_form=form, status=400)
    try:
        services.claim_update_facts(
            claim=claim, by=request.user, **{k: form.cleaned_data[k] for k in form.Meta.fields}
        )
    except services.FactConflict as exc:
        # items say otherwise: refused next to the fact, with what was typed kept
        form.add_error(exc.field, str(exc))
        fresh = selectors.claim_for_page(number=number, user=request.user)
        return _render_claim(request, fresh, facts_form=form, status=400)
    except ClaimError as exc:
        return _refused(request, claim, exc)
    messages.success(request, "事故の内容を更新しました。")
    return _back_to_claim(request, claim)


@login_required
@require_POST
def claim_note(request, number):
    """Append a note to the claim's contact log (経過記録); the page lists it at once."""
    claim = selectors.claim_for_page(number=number, user=request.user)
    if not permissions.is_desk_user(request.user):
        raise PermissionDenied
    form = ClaimNoteForm(request.POST)
    if not form.is_valid():
        return _render_claim(request, claim, note_form=form, status=400)
    try:
        services.claim_add_note(claim=claim, by=request.user, **form.cleaned_data)
    except ClaimError as exc:
        return _refused(request, claim, exc)
    messages.success(request, "経過記録を追加しました。")
    return redirect(reverse("claims:detail", args=[claim.number]) + "#notes")


@login_required
@require_POST
def claim_next_action(request, number):
    """Set the claim's diary date (次回対応日), or clear it once done."""
    claim = selectors.claim_for_page(number=number, user=request.user)
    if "done" in request.POST:
        on, note, form = None, "", None
    else:
        form = NextActionForm(request.POST)
        if not form.is_valid():
            return _render_claim(request, claim, next_form=form, status=400)
        on, note = form.cleaned_data["on"], form.cleaned_data["note"]
    try:
        services.claim_set_next_action(claim=claim, by=request.user, on=on, note=note)
    except ClaimError as exc:
        return _refused(request, claim, exc)
    if on is None:
        messages.success(request, "次回対応を完了にしました。")
    else:
        messages.success(request, f"次回対応日を {on:%Y/%m/%d} に設定しました。")
    return _back_to_claim(request, claim)


@login_required
@require_POST
def claim_task_add(request, number):
    """Add a dated task (対応予定) to the claim."""
    claim = selectors.claim_for_page(number=number, user=request.user)
    form = TaskForm(request.POST, handlers=handler_choices())
    if not form.is_valid():
        return _render_claim(request, claim, task_form=form, status=400)
    try:
        task = services.claim_add_task(claim=claim, by=request.user, **form.cleaned_data)
    except ClaimError as exc:
        return _refused(request, claim, exc)
    messages.success(request, f"対応予定「{task.what}」({task.due_on:%Y/%m/%d}) を登録しました。")
    return _back_to_claim(request, claim)


@login_required
@require_POST
def claim_task_done(request, number, pk):
    """Mark one of the claim's tasks done."""
    from claims.models import ClaimTask

    claim = selectors.claim_for_page(number=number, user=request.user)
    task = get_object_or_404(ClaimTask, pk=pk, claim=claim)
    try:
        services.claim_complete_task(task=task, by=request.user)
    except ClaimError as exc:
        return _refused(request, claim, exc)
    messages.success(request, f"対応予定「{task.what}」を完了にしました。")
    return _back_to_claim(request, claim)


@login_required
@require_POST
def claim_send_back_request(request, number):
    """A handler asks a supervisor to send the claim back from 承認待ち (差戻し依頼)."""
    claim = selectors.claim_for_page(number=number, user=request.user)
    reason = request.POST.get("reason", "")
    if has_bidi_controls(reason):
        return _refused(request, claim, ClaimError(BIDI_MESSAGE))
    if "\x00" in reason:  # no form here to refuse it: PostgreSQL would (a 500)
        return _refused(request, claim, ClaimError("理由に制御文字 (U+0000) は入力できません。"))
    if len(reason) > 1000:
        return _refused(request, claim, ClaimError("理由は 1000 文字以内で入力してください。"))
    try:
        services.claim_request_send_back(claim=claim, by=request.user, reason=reason)
    except ClaimError as exc:
        return _refused(request, claim, exc)
    messages.success(request, "差戻しを依頼しました。承認者の判断をお待ちください。")
    return _back_to_claim(request, claim)


@login_required
@require_POST
def claim_duplicates(request, number):
    """Resolve the possible-duplicate warning: 重複ではない (with a reason, for the listed
    claims) or 取下げ (重複) of this claim as a second report of one of them."""
    claim = selectors.claim_for_page(number=number, user=request.user)
    if services.duplicate_refusal(request.user, claim):
        raise PermissionDenied
    others = form_ids(request.POST.getlist("other"))[:20]
    text = request.POST.get("reason", "").replace("\x00", "")
    try:
        if request.POST.get("decision") == "withdraw" and len(others) == 1:
            services.claim_withdraw_duplicate(
                claim=claim, other=others[0], by=request.user, note=text
            )
            messages.success(request, f"{claim.number} を重複報告として取り下げました。")
        elif request.POST.get("decision") == "not_duplicate":
            cleared = services.claim_clear_duplicates(
                claim=claim, others=others, by=request.user, reason=text
            )
            listed = "、".join(c.number for c in cleared)
            messages.success(request, f"{listed} とは重複ではないと記録しました。")
        else:
            messages.error(request, "重複報告の処理方法を選んでください。")
    except ClaimError as exc:
        return _refused(request, claim, exc)
    return _back_to_claim(request, claim)


@login_required
@require_POST
def claim_action(request, number):
    claim = selectors.claim_for_page(number=number, user=request.user)
    action = request.POST.get("action", "")
    allowed = {a for a, _label, _r in services.desk_actions(claim, request.user)}
    if action not in services.DESK_ACTIONS:
        messages.error(request, "不明な操作です。")
        return _back_to_claim(request, claim)
    if action not in allowed and not permissions.can_edit(request.user, claim):
        raise PermissionDenied
    if has_bidi_controls(request.POST.get("reason", "")):
        return _refused(request, claim, ClaimError(BIDI_MESSAGE))
    if action == "request_documents":
        # one way to ask (#18): the preview page records the request and opens the letter
        return redirect("documents:request", number=claim.number)
    try:
        services.claim_desk_action(
            claim=claim,
            action=action,
            by=request.user,
            reason=request.POST.get("reason", "").replace("\x00", "")[:2000],
            override_reason=request.POST.get("override", "").replace("\x00", "")[:2000],
        )
    except ClaimError as exc:
        return _refused(request, claim, exc)
    claim.refresh_from_db()
    messages.success(request, f"状態を「{claim.get_status_display()}」に変更しました。")
    return _back_to_claim(request, claim)


# --- items -------------------------------------------------------------------------------


def _section_or_404(section):
    if section not in ITEM_FORMS:
        raise Http404
    return ITEM_FORMS[section]


def _item_or_404(claim, section, pk):
    if pk > 2**53:
        raise Http404
    model = services._item_model(section)
    return get_object_or_404(model, pk=pk, claim=claim)


@login_required
@require_POST
def item_add(request, number, section):
    form_class = _section_or_404(section)
    claim = _claim_for_change(request, number)
    form = form_class(request.POST, prefix=f"add-{section}", claim=claim)
    if not form.is_valid():
        return _render_claim(request, claim, add_forms={section: form}, status=400)
    try:
        services.item_create(claim=claim, section=section, by=request.user, data=form.item_data())
    except ClaimError as exc:
        return _refused(request, claim, exc)
    if _is_htmx(request):
        messages.success(request, f"{SECTION_TITLES[section]}を追加しました。")
        fresh = selectors.claim_for_page(number=number, user=request.user)
        return _render_claim(request, fresh)
    messages.success(request, f"{SECTION_TITLES[section]}を追加しました。")
    return redirect(_claim_url(claim) + f"#{section}")


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, number, section, pk):
    form_class = _section_or_404(section)
    if request.method == "GET":
        claim = selectors.claim_for_page(number=number, user=request.user)
        item = _item_or_404(claim, section, pk)
        if not permissions.can_edit(request.user, claim):
            raise PermissionDenied
        if claim.status not in services.EDITABLE_STATUSES:
            return _refused(request, claim, ClaimError(_read_only_reason(request.user, claim)))
        form = form_class(instance=item, prefix=f"edit-{section}", claim=claim)
        return _render_claim(request, claim, editing={"section": section, "pk": pk, "form": form})
    claim = _claim_for_change(request, number)
    item = _item_or_404(claim, section, pk)
    form = form_class(request.POST, instance=item, prefix=f"edit-{section}", claim=claim)
    if not form.is_valid():
        fresh = selectors.claim_for_page(number=number, user=request.user)
        return _render_claim(
            request,
            fresh,
            editing={"section": section, "pk": pk, "form": form},
            status=400,
        )
    try:
        item.refresh_from_db()  # the form wrote onto the instance; the service writes
        services.item_update(item=item, by=request.user, data=form.item_data())
    except ClaimError as exc:
        return _refused(request, claim, exc)
    messages.success(request, f"{SECTION_TITLES[section]}を更新しました。")
    if _is_htmx(request):
        fresh = selectors.claim_for_page(number=number, user=request.user)
        return _render_claim(request, fresh)
    return redirect(_claim_url(claim) + f"#{section}")


@login_required
@require_POST
def item_delete(request, number, section, pk):
    _section_or_404(section)
    claim = _claim_for_change(request, number)
    item = _item_or_404(claim, section, pk)
    try:
        services.item_delete(item=item, by=request.user)
    except ClaimError as exc:
        return _refused(request, claim, exc)
    messages.success(request, f"{SECTION_TITLES[section]}を1件削除しました。")
    if _is_htmx(request):
        fresh = selectors.claim_for_page(number=number, user=request.user)
        return _render_claim(request, fresh)
    return redirect(_claim_url(claim) + f"#{section}")
