"""The triage queue: the landing page, the queue with its filters and CSV export, bulk
assignment and the supervisors' workload page. Reads through claims.queue.selectors."""

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from claims import clock, permissions, services
from claims.exports import csv_lines, csv_text
from claims.fields import handler_choices
from claims.models import Claim
from claims.queue import selectors
from claims.queue.filters import SORTS, status_choices
from claims.services import ClaimError
from claims.templatetags.claims_extras import person
from claimsdesk.display import person_name
from claimsdesk.formdata import ids as form_ids
from claimsdesk.formdata import is_id, safe_next
from documents import followup

NOTES_SHOWN = 200  # a claim's contact log, newest first; older notes are in the admin
ASSIGN_LIMIT = 200  # claims in one bulk assignment (a queue page holds at most 100)

security_log = logging.getLogger("claimsdesk.security")


@login_required
@require_GET
def home(request):
    """Where signing in lands: supervisors on 承認待ち, everyone else on the queue."""
    if permissions.is_supervisor(request.user):
        return redirect("approvals:queue")
    return redirect("claims:queue")


# --- queue -------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request):
    page = selectors.claim_queue(user=request.user, params=request.GET)
    handlers = handler_choices()
    return render(
        request,
        "claims/queue.html",
        {
            "queue": page,
            "claims": page.rows,
            "handlers": handlers,
            "sorts": [(key, label) for key, (label, _) in SORTS.items()],
            "statuses": status_choices(),
            "follow_up_days": followup.follow_up_days(),
            "page_sizes": selectors.PAGE_SIZES,
            "assign_anyone": permissions.is_supervisor(request.user)
            or permissions.is_admin(request.user),
            "can_take": permissions.is_handler(request.user),
        },
    )


QUEUE_CSV_HEADER = [
    "事故番号",
    "状態",
    "被保険者",
    "登録番号",
    "証券番号",
    "プラン",
    "インシデント",
    "担当者",
    "受付日",
    "事故を知った日",
    "請求額 (円)",
    "支払見込額 (円)",
    "保留項目",
    "書類完備日",
    "支払期限",
    "支払期限の状況",
    "要督促 (依頼からの日数)",
    "次回対応日",
    "次回対応の内容",
    "Q7 直接請求",
    "Q8 交渉難航",
]


def _queue_csv_rows(claims):
    for c in claims.iterator(chunk_size=2000):
        insured = c.policy.insured
        due = followup.is_due(c, c.open_request_at)
        yield [
            c.number,
            c.get_status_display(),
            csv_text(insured.name),
            csv_text(insured.registration_number),
            csv_text(c.policy.number),
            csv_text(c.policy.plan.name),
            csv_text(c.incident.title),
            csv_text(person(c.handler)) if c.handler else "",
            f"{timezone.localtime(c.reported_at):%Y-%m-%d}" if c.reported_at else "",
            f"{c.noticed_on:%Y-%m-%d}",
            c.total_claimed,
            c.total_payable,
            c.pending_items,
            f"{c.documents_complete_on:%Y-%m-%d}" if c.documents_complete_on else "",
            f"{c.payment_due_on:%Y-%m-%d}" if c.payment_due_on else "",
            clock.payment_clock(c).label,
            followup.days_waiting(c.open_request_at) if due else "",
            f"{c.next_action_on:%Y-%m-%d}" if c.next_action_on else "",
            csv_text(c.next_action),
            "はい" if c.direct_recovery_elected else "",
            "はい" if c.talks_difficult else "",
        ]


@login_required
@require_GET
def queue_csv(request):
    """The queue as CSV, with the filter and sort on screen and no paging: only the claims
    this user may see. Streamed, so a large export does not sit in memory; logged."""
    claims = selectors.queue_export(user=request.user, params=request.GET)
    if claims is None:
        messages.error(request, "絞り込みの条件が正しくないため、CSV を出力できませんでした。")
        return redirect(reverse("claims:queue"))
    security_log.info(
        "queue exported as CSV",
        extra={"user": request.user.username, "filter": request.GET.urlencode()[:500]},
    )
    response = StreamingHttpResponse(
        csv_lines(QUEUE_CSV_HEADER, _queue_csv_rows(claims)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="claims-{timezone.localdate():%Y%m%d}.csv"'
    )
    return response


@login_required
@require_GET
def workload(request):
    """Supervisors balance the desk: open claims per handler and what needs attention."""
    if not permissions.sees_all(request.user):
        raise PermissionDenied
    rows, total = selectors.workload()
    return render(
        request,
        "claims/workload.html",
        {"rows": rows, "total": total, "follow_up_days": followup.follow_up_days()},
    )


@login_required
@require_POST
def queue_assign(request):
    """Assign the selected claims to one handler; each row is checked on its own."""
    back = safe_next(request, reverse("claims:queue"))
    ids = form_ids(request.POST.getlist("claim"))
    target = request.POST.get("handler", "")
    if not ids:
        messages.warning(request, "割り当てる事故を選択してください。")
        return redirect(back)
    if len(ids) > ASSIGN_LIMIT:
        # refused whole, not cut: the claims past the limit would stay unassigned unsaid
        messages.error(request, f"一度に割り当てられるのは {ASSIGN_LIMIT} 件までです。")
        return redirect(back)
    user_model = get_user_model()
    if target == "me":
        handler = request.user
    elif is_id(target):
        handler = user_model.objects.filter(pk=int(target), is_active=True).first()
    else:
        handler = None
    if handler is None:
        messages.error(request, "割当先の担当者を選択してください。")
        return redirect(back)
    claims = Claim.objects.filter(permissions.visible_claims_q(request.user), pk__in=ids)
    done, refused = [], []
    for claim in claims.order_by("id"):
        try:
            services.claim_assign(claim=claim, handler=handler, by=request.user)
            done.append(claim.number)
        except ClaimError as exc:
            refused.append(str(exc))
    missing = len(ids) - len(done) - len(refused)
    if done:
        messages.success(
            request, f"{len(done)} 件を {_person(handler)} さんに割り当てました: {', '.join(done)}"
        )
    for text in refused[:10]:
        messages.error(request, text)
    if missing > 0:
        messages.error(request, f"{missing} 件は見つからないか、表示する権限がありません。")
    return redirect(back)


def _person(user):
    return person_name(user)
