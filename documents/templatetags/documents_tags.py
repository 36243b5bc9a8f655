"""Claim-page panel for supporting documents and checklists (#6).

`{% load documents_tags %}{% claim_documents_panel claim %}` renders the checklist per
stage, the live documents, the upload form and the document requests for request.user.
"""

from django import template
from django.conf import settings

from claimsdesk.display import person_name
from documents import selectors
from documents.forms import DeleteForm, RequestForm, UploadForm

register = template.Library()


@register.inclusion_tag("documents/panel.html", takes_context=True)
def claim_documents_panel(context, claim):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"hidden": True}
    data = selectors.panel_data(claim, user)
    data["upload_form"] = UploadForm(
        claim=claim,
        damages=data["damages"],
        overtime=data["overtime"],
        approved_only=data["approved_only_claim_docs"],
    )
    # 種類・対象を変更: one target per stored document (a damage, an overtime entry or "")
    from documents.checklist import overtime_target

    data["reclassify_targets"] = [
        (f"d{d.pk}", f"顧問先 {d.client_name} {d.description}".strip()) for d in data["damages"]
    ] + [(f"o{o.pk}", overtime_target(o)) for o in data["overtime"]]
    for d in data["documents"]:
        d.target_key = (
            f"d{d.damage_id}"
            if d.damage_id
            else f"o{d.overtime_entry_id}"
            if d.overtime_entry_id
            else ""
        )
    data["delete_form"] = DeleteForm()
    data["request_form"] = RequestForm()
    data["csrf_token"] = context.get("csrf_token")
    data["request"] = request
    data["max_file"] = settings.DOCUMENT_MAX_BYTES
    data["max_request"] = settings.DOCUMENT_MAX_REQUEST_BYTES
    data["max_count"] = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    return data


@register.filter
def filesize(n):
    try:
        n = int(n)
    except (TypeError, ValueError):
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


@register.filter
def person(user):
    """A Japanese name, family name first (佐藤 愛子), else the login name."""
    return person_name(user)
