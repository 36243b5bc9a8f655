"""The claim page's PDF panel: "generate" (POST) and the status fragment htmx polls."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from claims import permissions
from claims.models import Claim
from claims.services import ClaimError
from documents import rendering
from documents.models import Document, DocumentRequest, RenderJob

# Jobs left `waiting` this long (the on-commit send failed) are retried when the panel shows.
OPPORTUNISTIC_DRAIN_AFTER = 5


def may_generate(user, claim) -> bool:
    """The claim's handler (whoever may edit it) and supervisors/admins who may see it."""
    if not permissions.can_view(user, claim):
        return False
    return (
        permissions.can_edit(user, claim)
        or permissions.is_supervisor(user)
        or permissions.is_admin(user)
    )


LETTER_KINDS = (rendering.KIND_DAMAGE_LETTER, rendering.KIND_PAYMENT_LETTER)


def may_generate_kind(user, claim, kind) -> bool:
    """The letters to the insured: whoever may see the claim; the desk's PDFs: may_generate."""
    if kind in LETTER_KINDS:
        return permissions.can_view(user, claim)
    return may_generate(user, claim)


def panel_context(user, claim, *, error="") -> dict:
    if RenderJob.objects.filter(claim=claim, status=RenderJob.Status.WAITING).exists():
        rendering.drain_outbox(claim=claim, older_than=OPPORTUNISTIC_DRAIN_AFTER)
    jobs = {job.kind: job for job in rendering.latest_jobs(claim)}
    docs = {}
    for doc in Document.objects.filter(
        claim=claim,
        kind__in=rendering.DESK_KINDS,
        deleted_at__isnull=True,
        render_version__isnull=False,
    ).order_by("-render_version", "-pk"):
        docs.setdefault(doc.kind, doc)
    current = rendering.claim_render_version(claim)
    settlement_doc = docs.get(rendering.KIND_SETTLEMENT)
    rows = [
        {
            "kind": rendering.KIND_SETTLEMENT,
            "label": RenderJob.Kind.SETTLEMENT_SUMMARY.label,
            "job": jobs.get(rendering.KIND_SETTLEMENT),
            "doc": settlement_doc,
            "stale": settlement_doc is not None and settlement_doc.render_version != current,
            "button": "作成" if settlement_doc is None else "最新の内容で作成",
        }
    ]
    damage_doc = docs.get(rendering.KIND_DAMAGE_LETTER)
    rows.append(
        {
            "kind": rendering.KIND_DAMAGE_LETTER,
            "label": RenderJob.Kind.DAMAGE_LETTER.label,
            "job": jobs.get(rendering.KIND_DAMAGE_LETTER),
            "doc": damage_doc,
            "stale": damage_doc is not None and damage_doc.render_version != current,
            "button": "作成" if damage_doc is None else "最新の内容で作成",
        }
    )
    paid = rendering.paid_payout(claim)
    if paid is not None:  # the payment letter exists only once a payment was made
        payment_doc = docs.get(rendering.KIND_PAYMENT_LETTER)
        rows.append(
            {
                "kind": rendering.KIND_PAYMENT_LETTER,
                "label": RenderJob.Kind.PAYMENT_LETTER.label,
                "job": jobs.get(rendering.KIND_PAYMENT_LETTER),
                "doc": payment_doc,
                "stale": payment_doc is not None
                and payment_doc.render_version != rendering.payment_letter_version(paid),
                "button": "作成",
            }
        )
    if DocumentRequest.objects.filter(claim=claim).exists():
        rows.append(
            {
                "kind": rendering.KIND_REQUEST,
                "label": RenderJob.Kind.REQUEST_LETTER.label,
                "job": jobs.get(rendering.KIND_REQUEST),
                "doc": docs.get(rendering.KIND_REQUEST),
                "stale": False,
                "button": "最新の書類依頼で作成",
            }
        )
    for r in rows:
        r["busy"] = r["job"] is not None and r["job"].status in rendering.ACTIVE
        r["may"] = may_generate_kind(user, claim, r["kind"])
    active = any(r["busy"] for r in rows)
    return {
        "claim": claim,
        "rows": rows,
        "active": active,
        "may_generate": may_generate(user, claim),
        "error": error,
    }


def render_panel(request, claim, *, error="") -> str:
    return render_to_string(
        "documents/_render_panel.html",
        panel_context(request.user, claim, error=error),
        request=request,
    )


def _claim_for(request, number) -> Claim:
    claim = get_object_or_404(
        Claim.objects.select_related("policy__insured", "policy__plan", "incident"),
        number=number,
    )
    if not permissions.can_view(request.user, claim):
        raise Http404
    return claim


@login_required
@require_POST
def generate(request, number, kind):
    claim = _claim_for(request, number)
    if kind not in rendering.TEMPLATES:
        raise Http404
    if not may_generate_kind(request.user, claim, kind):
        raise PermissionDenied
    error = ""
    try:
        rendering.enqueue_render(claim=claim, kind=kind, by=request.user)
    except ClaimError as exc:
        error = str(exc)
    if request.headers.get("HX-Request"):
        return HttpResponse(render_panel(request, claim, error=error))
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "PDFの作成を受け付けました。")
    return redirect("claims:detail", number=claim.number)


@login_required
@require_GET
def status(request, number):
    claim = _claim_for(request, number)
    return HttpResponse(render_panel(request, claim))
