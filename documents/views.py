"""Supporting documents: upload, download/preview, soft delete, requests and their letters.

Views stay thin: access through documents.selectors (404 for what the user may not see),
writes through documents.services. Files are only ever served by `_serve`, with nosniff, a
sandboxing CSP and `attachment` for anything but PDF/PNG/JPEG previews.
"""

import unicodedata

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from claims.models import Claim
from claims.permissions import visible_claims_q
from claims.services import ClaimError, allowed_transitions
from claimsdesk import formdata
from documents import checklist, filecheck, followup, selectors, services
from documents.forms import DeleteForm, ReclassifyForm, RequestForm, UploadForm
from documents.models import DocumentRequest

S = Claim.Status

# Multipart overhead allowed above DOCUMENT_MAX_REQUEST_BYTES (boundaries, small fields).
_ENVELOPE_BYTES = 256 * 1024


def _claim_url(claim) -> str:
    return reverse("claims:detail", args=[claim.number]) + "#documents"


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


# --- serving files ----------------------------------------------------------------------


def _serve(doc, *, inline: bool):
    try:
        fh = doc.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    inline = inline and selectors.is_inline(doc)
    # the extension always says what the file is (a name stored before #16 included)
    filename = filecheck.name_for_type(doc.original_name, doc.content_type)
    response = FileResponse(
        fh, as_attachment=not inline, filename=filename, content_type=doc.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    if inline and doc.content_type == "application/pdf":
        # Chromium's PDF viewer does not load in a sandboxed document (checked: the
        # navigation never completes), so an inline PDF gets no `sandbox`; it still may
        # load nothing else, and only the viewer's own object is allowed.
        response["Content-Security-Policy"] = (
            "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
        )
    else:
        response["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; "
            "frame-ancestors 'self'"
        )
    return response


@login_required
@require_GET
def download(request, pk):
    return _serve(selectors.visible_document(request.user, pk), inline=False)


@login_required
@require_GET
def preview(request, pk):
    return _serve(selectors.visible_document(request.user, pk), inline=True)


# --- upload -----------------------------------------------------------------------------


class LimitedUploadHandler(FileUploadHandler):
    """Stops parsing as soon as one file passes the per-file limit or all files the
    per-request limit; nothing beyond the limit is kept in memory or on disk."""

    def __init__(self, request=None):
        super().__init__(request)
        self.max_file = settings.DOCUMENT_MAX_BYTES
        self.max_total = settings.DOCUMENT_MAX_REQUEST_BYTES
        self.total = 0
        self.current = 0
        self.too_large = None
        self.names: list[str] = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.current = 0
        self.names.append(self.file_name or "")  # as sent, before Django cuts it to 255

    def receive_data_chunk(self, raw_data, start):
        self.current += len(raw_data)
        self.total += len(raw_data)
        if self.current > self.max_file:
            self.too_large = (
                self.file_name,
                f"ファイルが大きすぎます (上限 {services.max_mb(self.max_file)})。",
            )
            raise StopUpload(connection_reset=False)
        if self.total > self.max_total:
            self.too_large = (
                "(全体)",
                f"一度に送れる合計は {services.max_mb(self.max_total)} までです。",
            )
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def _upload_refused(request, claim, errors, status=400):
    """`errors`: (file name, message) pairs, or (file name, message, field) for a per-file
    field (kind_N / target_N) the upload card marks next to its row."""
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": False,
                "errors": [
                    {"name": e[0], "message": e[1], **({"field": e[2]} if len(e) > 2 else {})}
                    for e in errors
                ],
            },
            status=status,
        )
    for name, message, *_field in errors:
        messages.error(request, f"{name}: {message}" if name else message)
    return redirect(_claim_url(claim))


@csrf_exempt
@login_required
def upload(request, number):
    """Refuses an oversized request before reading its body: the size check and the
    limiting upload handler come before anything touches request.POST (hence csrf_exempt
    here and csrf_protect on the part that reads the form, as Django's docs prescribe)."""
    if request.method != "POST":
        return JsonResponse({"ok": False}, status=405)
    claim = selectors.visible_claim(request.user, number)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.DOCUMENT_MAX_REQUEST_BYTES
    if length > limit + _ENVELOPE_BYTES:
        return _upload_refused(
            request,
            claim,
            [("", f"一度に送れる合計は {services.max_mb(limit)} までです。")],
            status=413,
        )
    handler = LimitedUploadHandler(request)
    request.upload_handlers.insert(0, handler)
    try:
        # the body is parsed in here (by the CSRF check or the form), under the handler
        return _upload_checked(request, claim, handler)
    except TooManyFilesSent:
        count = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return _upload_refused(
            request, claim, [("", f"一度に送れるファイルは {count} 件までです。")]
        )
    except MultiPartParserError:
        # a part's headers beyond the parser's limit (documents.apps raises it to 4 KB):
        # in practice a file name of well over a thousand characters
        return _upload_refused(request, claim, [("", LONG_NAME_REFUSED)])


LONG_NAME_REFUSED = (
    "ファイル名が長すぎるため受け取れませんでした。ファイル名を短く (目安: 255文字以内) "
    "してから、もう一度アップロードしてください。"
)


def _renamed_notes(raw_names, created) -> list[str]:
    """What the handler should know about the names stored: cut to fit, or given the
    extension of what the file really is."""
    stored, seen = [], set()
    for doc in created:
        if doc.file.name not in seen:
            seen.add(doc.file.name)
            stored.append(doc.original_name)
    notes = []
    for raw, name in zip(raw_names, stored, strict=False):
        base = unicodedata.normalize("NFC", raw.replace("\\", "/").rsplit("/", 1)[-1])
        if len(base) > filecheck.MAX_NAME:
            notes.append(
                f"ファイル名が長すぎるため ({len(base):,}文字)、{filecheck.MAX_NAME}文字以内に"
                f"短くして登録しました (拡張子は残しています): {name[:40]}…{name[-10:]}"
            )
            continue
        sent = filecheck.clean_filename(base)
        if sent.rpartition(".")[2].lower() != name.rpartition(".")[2].lower() or "." not in sent:
            notes.append(
                f"「{sent}」は内容が {name.rpartition('.')[2].upper()} 形式のため、"
                f"「{name}」として登録しました。ダウンロード時もこの名前になります。"
            )
    return notes


@csrf_protect
def _upload_checked(request, claim, handler):
    # the upload card's per-file rows send kind_0, target_0, ... (one per file, in order);
    # without JavaScript the form sends one kind and one target for the whole batch
    per_file = "kind_0" in request.POST
    form = UploadForm(
        request.POST,
        request.FILES,
        claim=claim,
        damages=list(claim.damages.all()),
        overtime=list(claim.overtime_entries.all()),
        per_file=per_file,
    )
    if handler.too_large:
        return _upload_refused(request, claim, [handler.too_large], status=413)
    if not form.is_valid():
        errors = [("", e) for field in form.errors.values() for e in field]
        return _upload_refused(request, claim, errors)
    try:
        if per_file:
            rows, field_errors = form.per_file_rows()
            if field_errors:
                return _upload_refused(request, claim, field_errors)
            created = services.document_upload_rows(claim=claim, by=request.user, rows=rows)
        else:
            damage, overtime_entries = form.links()
            created = services.document_upload(
                claim=claim,
                by=request.user,
                files=form.cleaned_data["files"],
                kind=form.cleaned_data["kind"],
                damage=damage,
                overtime_entries=overtime_entries,
            )
    except services.UploadRejected as exc:
        return _upload_refused(request, claim, exc.errors)
    except ClaimError as exc:
        return _upload_refused(request, claim, [("", str(exc))], status=403)
    names = sorted({d.original_name for d in created})
    messages.success(request, f"{len(names)}件のファイルを登録しました: " + "、".join(names))
    for note in _renamed_notes(handler.names, created):
        messages.warning(request, note)
    if _wants_json(request):
        return JsonResponse({"ok": True, "redirect": _claim_url(claim), "count": len(names)})
    return redirect(_claim_url(claim))


# --- delete, request, letter --------------------------------------------------------------


@login_required
@require_POST
def delete(request, pk):
    doc = selectors.visible_document(request.user, pk)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "削除理由を入力してください。")
        return redirect(_claim_url(doc.claim))
    try:
        services.document_delete(document=doc, by=request.user, reason=form.cleaned_data["reason"])
    except ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"「{doc.original_name}」を削除しました (記録は保存されます)。")
    return redirect(_claim_url(doc.claim))


@login_required
@require_POST
def reclassify(request, pk):
    """種類・対象を変更 of one stored document (the documents panel's form)."""
    doc = selectors.visible_document(request.user, pk)
    claim = doc.claim
    form = ReclassifyForm(
        request.POST,
        damages=list(claim.damages.all()),
        overtime=list(claim.overtime_entries.all()),
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, f"{doc.original_name}: {e}")
        return redirect(_claim_url(claim))
    damage, overtime_entry = form.links()
    try:
        doc = services.document_reclassify(
            document=doc,
            by=request.user,
            kind=form.cleaned_data["kind"],
            damage=damage,
            overtime_entry=overtime_entry,
            reason=form.cleaned_data["reason"],
        )
    except ClaimError as exc:
        messages.error(request, f"{doc.original_name}: {exc}")
    else:
        messages.success(
            request, f"「{doc.original_name}」を「{doc.get_kind_display()}」に変更しました。"
        )
    return redirect(_claim_url(claim))


@login_required
def request_documents(request, number):
    """書類を依頼 (the one way to ask, from the claim header and the documents card): GET
    previews exactly the missing checklist items and takes a message and a due date; POST
    records the request (moving the claim where allowed) and opens the letter."""
    claim = selectors.visible_claim(request.user, number)
    if request.method not in ("GET", "POST"):
        return redirect(_claim_url(claim))
    preview = services.request_preview(claim, request.user)
    form = RequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.documents_request(
                claim=claim,
                by=request.user,
                message=form.cleaned_data["message"],
                due_on=form.cleaned_data["due_on"],
            )
        except ClaimError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"不足書類 {len(req.items)}件の提出を依頼しました。")
            return redirect("documents:request_letter", pk=req.pk)
    stages = [
        (label, [i for i in preview["missing"] if i.stage == code])
        for code, label in checklist.STAGES.items()
    ]
    return render(
        request,
        "documents/request_form.html",
        {
            "claim": claim,
            "form": form,
            "missing": preview["missing"],
            "stages": [(label, items) for label, items in stages if items],
            "refusal": preview["refusal"],
            "moves": S.DOCUMENTS_REQUESTED in allowed_transitions(claim),
            "follow_up": followup.claim_follow_up(
                claim, list(DocumentRequest.objects.filter(claim=claim)[:10])
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def request_letter(request, pk):
    req = selectors.visible_request(request.user, pk)
    context = selectors.request_letter_context(req)
    return render(
        request,
        "documents/request_letter.html",
        {
            "letters": [context],
            "back_url": _claim_url(req.claim),
            "back_label": f"事故 {req.claim.number} に戻る",
        },
    )


BULK_LIMIT = 100  # claims in one bulk follow-up: one print run of letters


@login_required
@require_POST
def bulk_request(request):
    """The queue's 督促 button: a request for what each selected claim still misses (a
    follow-up where one was made before), each checked as on the claim page; then every
    letter on one page to print, with the claims it did not ask for and why."""
    ids = formdata.ids(request.POST.getlist("claim"))
    back = formdata.safe_next(request, reverse("claims:queue"))
    if not ids:
        messages.warning(request, "督促する事故を選択してください。")
        return redirect(back)
    if len(ids) > BULK_LIMIT:
        messages.error(request, f"一度に督促できるのは {BULK_LIMIT}件までです。")
        return redirect(back)
    made, refused = [], []
    for claim in Claim.objects.filter(visible_claims_q(request.user), pk__in=ids).order_by("id"):
        try:
            made.append(services.documents_request(claim=claim, by=request.user).pk)
        except ClaimError as exc:
            refused.append(f"{claim.number}: {exc}")
    missing = len(set(ids)) - len(made) - len(refused)
    if missing > 0:
        refused.append(f"{missing}件は見つからないか、表示する権限がありません。")
    request.session["bulk_request_refused"] = refused[:BULK_LIMIT]
    if not made:
        for line in refused[:10]:
            messages.error(request, line)
        return redirect(back)
    messages.success(request, f"{len(made)}件の事故に不足書類を依頼しました。")
    query = ",".join(str(pk) for pk in made)
    return redirect(f"{reverse('documents:request_letters')}?ids={query}")


@login_required
@require_GET
def request_letters(request):
    """Several request letters on one page, one per printed sheet (after a bulk 督促)."""
    raw = request.GET.get("ids", "")
    ids = formdata.ids(raw.split(","))[:BULK_LIMIT]
    letters = [
        selectors.request_letter_context(req)
        for req in selectors.visible_requests(request.user, ids)
    ]
    return render(
        request,
        "documents/request_letter.html",
        {
            "letters": letters,
            "refused": request.session.pop("bulk_request_refused", []),
            "back_url": reverse("claims:queue"),
            "back_label": "事故一覧に戻る",
        },
    )


@login_required
@require_GET
def panel(request, number):
    """The documents panel alone on a page (the claim page embeds the same panel)."""
    claim = selectors.visible_claim(request.user, number)
    return render(request, "documents/panel_page.html", {"claim": claim})
