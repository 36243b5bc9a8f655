"""Reads for document views and the claim page's documents panel.

Access is decided by claims.permissions only; anything the user may not see is a 404,
whether it exists or not (no id guessing).
"""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from claims import permissions
from claims.models import Claim
from documents import checklist as checklist_mod
from documents import filecheck, followup
from documents.models import Document, DocumentRequest


def visible_claim(user, number: str) -> Claim:
    claim = get_object_or_404(
        Claim.objects.select_related("policy__insured", "incident"), number=number
    )
    if not permissions.can_view(user, claim):
        raise Http404
    return claim


def visible_document(user, pk: int) -> Document:
    """A live document of a claim the user may see, else 404 (deleted ones too)."""
    doc = get_object_or_404(
        Document.objects.select_related("claim"), pk=pk, deleted_at__isnull=True
    )
    if not permissions.can_view(user, doc.claim):
        raise Http404
    return doc


def visible_request(user, pk: int) -> DocumentRequest:
    req = get_object_or_404(
        DocumentRequest.objects.select_related(
            "claim__policy__insured", "claim__incident", "claim__handler", "requested_by"
        ),
        pk=pk,
    )
    if not permissions.can_view(user, req.claim):
        raise Http404
    return req


def visible_requests(user, ids) -> list[DocumentRequest]:
    """The requests among `ids` on claims `user` may see, in the order of `ids`; the others
    are left out silently (as a 404 would say nothing of them)."""
    found = {
        req.pk: req
        for req in DocumentRequest.objects.filter(pk__in=ids).select_related(
            "claim__policy__insured", "claim__incident", "claim__handler", "requested_by"
        )
        if permissions.can_view(user, req.claim)
    }
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def live_documents(claim) -> list[Document]:
    return list(
        Document.objects.filter(claim=claim, deleted_at__isnull=True)
        .select_related("uploaded_by", "damage", "overtime_entry")
        .order_by("-uploaded_at", "-id")
    )


def is_inline(doc: Document) -> bool:
    return doc.content_type in filecheck.INLINE_TYPES


def panel_data(claim, user) -> dict:
    """Everything the documents panel shows: the checklist per stage, the live documents,
    the requests and what this user may do. A fixed number of queries whatever the size."""
    from documents import services  # services import selectors' neighbours; keep it lazy

    docs = live_documents(claim)
    cl = checklist_mod.claim_checklist(claim, documents=docs)
    requests = list(DocumentRequest.objects.filter(claim=claim).select_related("requested_by")[:10])
    can_change = services.change_refusal(user, claim) is None
    request_refusal = services.request_refusal(user, claim)
    damages = list(claim.damages.all())
    overtime = list(claim.overtime_entries.all())
    follow_up = followup.claim_follow_up(claim, requests)
    # 督促 only after the follow-up interval: asking again for what the latest unanswered
    # request already asked is offered from follow_up_from on (services.follow_up_refusal)
    follow_up_from = None
    if follow_up is not None and not follow_up.due:
        asked = {item.get("key") for item in follow_up.request.items}
        if all(i.key in asked for i in cl.missing):
            follow_up_from = timezone.localdate(follow_up.request.requested_at) + timedelta(
                days=follow_up.limit
            )
    return {
        "claim": claim,
        "checklist": cl,
        "documents": docs,
        "requests": requests,
        "follow_up": follow_up,
        "follow_up_from": follow_up_from,
        "can_upload": can_change,
        "approved_only_claim_docs": claim.status == Claim.Status.APPROVED,
        "can_request": request_refusal is None and bool(cl.missing) and follow_up_from is None,
        "request_refusal": request_refusal,
        "damages": damages,
        "overtime": overtime,
    }


def request_letter_context(req: DocumentRequest) -> dict:
    from documents.letterhead import letterhead

    """What the request letter shows (the HTML page here; #8's PDF may reuse it)."""
    claim = req.claim
    stages = []
    for code, label in checklist_mod.STAGES.items():
        items = [i for i in req.items if i.get("stage") == code]
        if items:
            stages.append({"code": code, "label": label, "items": items})
    return {
        "req": req,
        "claim": claim,
        "insured": claim.policy.insured,
        "stages": stages,
        "handler": claim.handler or req.requested_by,
        "previous": followup.previous_open_request(req),
        "letterhead": letterhead(claim),
    }
