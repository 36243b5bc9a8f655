"""Uploading through the view: several files at once, content checks, all-or-nothing batches,
size limits before the body is read, safe names and storage, permissions."""

import hashlib
import io
from pathlib import Path

import pytest
from django.urls import reverse

from claims.models import Claim
from documents import filecheck, views
from documents.models import Document
from tests.conftest import make_claim
from tests.documents import hostile
from tests.documents.doc_helpers import pdf, png, upload_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def url(claim):
    return reverse("documents:upload", args=[claim.number])


def post(client, claim, files, kind="damage_claim", target="", **extra):
    return client.post(url(claim), {"files": files, "kind": kind, "target": target}, **extra)


@pytest.fixture
def claim(alice):
    return make_claim(created_by=alice, handler=alice)


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


def test_alice_uploads_two_files_at_once(as_alice, claim, media):
    response = post(as_alice, claim, [pdf("請求書.pdf"), png("内訳.png")])

    assert response.status_code == 302
    assert response["Location"] == reverse("claims:detail", args=[claim.number]) + "#documents"
    docs = {d.original_name: d for d in claim.documents.all()}
    assert set(docs) == {"請求書.pdf", "内訳.png"}
    assert docs["請求書.pdf"].content_type == filecheck.PDF
    assert docs["内訳.png"].content_type == filecheck.PNG
    assert docs["請求書.pdf"].sha256 == hashlib.sha256(hostile.PDF_BYTES).hexdigest()
    assert docs["請求書.pdf"].size == len(hostile.PDF_BYTES)
    for doc in docs.values():
        # stored under a generated name inside MEDIA_ROOT, never the user's filename
        path = Path(doc.file.path)
        assert path.is_relative_to(Path(media))
        assert path.name not in {"請求書.pdf", "内訳.png"}
        assert len(path.name) == 32 and path.suffix == ""
        assert path.read_bytes()[:4] in {b"%PDF", b"\x89PNG"}


def test_the_xhr_upload_answers_json(as_alice, claim):
    response = post(as_alice, claim, [pdf()], **XHR)
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("invoice.pdf", hostile.HTML_BYTES, "名前の形式と一致しない"),
        ("diagram.pdf", hostile.SVG_BYTES, "名前の形式と一致しない"),
        ("photo.png", hostile.PE_BYTES, "受け付けられません"),
        ("勤怠.xlsx", hostile.zip_bomb_xlsx(), "zip bomb"),
        ("empty.pdf", b"", "0バイト"),
    ],
)
def test_a_hostile_file_refuses_its_whole_batch_and_keeps_what_was_there(
    as_alice, claim, name, data, message
):
    post(as_alice, claim, [pdf("既存.pdf")])
    before = list(Document.objects.values_list("pk", "original_name"))

    response = post(as_alice, claim, [pdf("good.pdf"), upload_file(name, data)], **XHR)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["name"] for e in errors] == [name]
    assert message in errors[0]["message"]
    assert list(Document.objects.values_list("pk", "original_name")) == before


def test_without_js_the_refusal_is_a_message_on_the_claim_page(as_alice, claim):
    response = post(as_alice, claim, [upload_file("x.pdf", hostile.HTML_BYTES)], follow=True)
    text = response.content.decode()
    assert "x.pdf" in text
    assert "受け付け" in text
    assert not claim.documents.exists()


def test_a_file_over_the_limit_is_stopped_while_parsing(as_alice, claim, settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    big = upload_file("big.pdf", b"%PDF-1.4\n" + b"0" * 5000)

    response = post(as_alice, claim, [pdf("small.pdf"), big], **XHR)

    assert response.status_code == 413
    assert "ファイルが大きすぎます (上限" in response.json()["errors"][0]["message"]
    assert not claim.documents.exists()


def test_an_oversized_request_is_refused_before_its_body_is_read(
    as_alice, claim, settings, monkeypatch
):
    settings.DOCUMENT_MAX_REQUEST_BYTES = 1000

    def must_not_parse(*args, **kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(views, "LimitedUploadHandler", must_not_parse)
    big = upload_file("big.pdf", b"%PDF-1.4\n" + b"0" * 400_000)

    response = post(as_alice, claim, [big], **XHR)

    assert response.status_code == 413
    assert "一度に送れる合計は" in response.json()["errors"][0]["message"]
    assert not claim.documents.exists()


def test_the_total_of_a_batch_is_capped_while_parsing(as_alice, claim, settings):
    # each file is within its own limit, together they pass the request limit
    settings.DOCUMENT_MAX_REQUEST_BYTES = 3000
    settings.DOCUMENT_MAX_BYTES = 2000
    files = [upload_file(f"{i}.pdf", b"%PDF-1.4\n" + b"0" * 1500) for i in range(3)]
    response = post(as_alice, claim, files, **XHR)
    assert response.status_code == 413
    assert not claim.documents.exists()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\boot.pdf", "boot.pdf"),
        ("in\x01voice\x1b[31m\x7f.pdf", "invoice[31m.pdf"),
        ("損害賠償請求書_株式会社エー（明細）.pdf", "損害賠償請求書_株式会社エー（明細）.pdf"),
    ],
)
def test_names_are_kept_safe_for_display_and_download(as_alice, claim, raw, shown):
    post(as_alice, claim, [pdf(raw)])
    doc = claim.documents.get()
    assert doc.original_name == shown
    assert ".." not in doc.file.name and "/etc/" not in doc.file.name

    response = as_alice.get(reverse("documents:download", args=[doc.pk]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\n" not in disposition and "\x1b" not in disposition and "/" not in disposition


def test_a_japanese_name_downloads_with_an_rfc5987_filename(as_alice, claim):
    post(as_alice, claim, [pdf("示談書.pdf")], kind="settlement_agreement")
    doc = claim.documents.get()
    response = as_alice.get(reverse("documents:download", args=[doc.pk]))
    assert "filename*=utf-8''%E7%A4%BA%E8%AB%87%E6%9B%B8.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == hostile.PDF_BYTES


def test_a_very_long_name_is_cut_keeping_its_extension(as_alice, claim):
    post(as_alice, claim, [pdf("明" * 300 + ".pdf")])
    doc = claim.documents.get()
    assert len(doc.original_name) == 255
    assert doc.original_name.endswith(".pdf")


def test_office_and_csv_files_are_accepted_by_content(as_alice, claim):
    files = [
        upload_file("賃金台帳.xlsx", hostile.ooxml("xlsx")),
        upload_file("日報.docx", hostile.ooxml("docx")),
        upload_file("勤怠.csv", hostile.CSV_SJIS),
    ]
    response = post(as_alice, claim, files, kind="other")
    assert response.status_code == 302
    assert sorted(claim.documents.values_list("content_type", flat=True)) == sorted(
        [filecheck.XLSX, filecheck.DOCX, filecheck.CSV]
    )


def test_the_form_requires_files_and_a_kind(as_alice, claim):
    response = as_alice.post(url(claim), {"kind": ""}, **XHR)
    messages = [e["message"] for e in response.json()["errors"]]
    assert "ファイルを選んでください。" in messages
    assert "書類の種類を選んでください。" in messages
    response = post(as_alice, claim, [pdf()], kind="settlement_summary", **XHR)
    assert response.status_code == 400  # desk-made kinds are not uploadable


def strict_client(user):
    """A client that enforces CSRF like a browser, with a known token in cookie and header."""
    from django.test import Client

    token = "a" * 32
    strict = Client(enforce_csrf_checks=True, HTTP_X_CSRFTOKEN=token)
    strict.cookies["csrftoken"] = token
    strict.force_login(user)
    return strict


def test_with_csrf_enforced_the_limits_still_answer_clearly(alice, claim, settings):
    strict = strict_client(alice)
    assert post(strict, claim, [pdf()], **XHR).status_code == 200  # the token is right

    settings.DOCUMENT_MAX_BYTES = 1000
    big = upload_file("big.pdf", b"%PDF-1.4\n" + b"0" * 5000)
    response = post(strict, claim, [big], **XHR)
    assert response.status_code == 413
    assert "ファイルが大きすぎます" in response.json()["errors"][0]["message"]

    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    response = post(strict, claim, [pdf("1.pdf"), pdf("2.pdf"), pdf("3.pdf")], **XHR)
    assert response.status_code == 400
    assert "2 件まで" in response.json()["errors"][0]["message"]
    assert claim.documents.count() == 1


def test_too_many_files_are_refused_with_a_message(as_alice, claim, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    response = post(as_alice, claim, [pdf("1.pdf"), pdf("2.pdf"), pdf("3.pdf")], **XHR)
    assert response.status_code == 400
    assert "2 件まで" in response.json()["errors"][0]["message"]
    assert not claim.documents.exists()


def test_get_is_not_an_upload(as_alice, claim):
    assert as_alice.get(url(claim)).status_code == 405


def test_csrf_is_enforced(alice, claim):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    response = post(strict, claim, [pdf()])
    assert response.status_code == 403
    assert not claim.documents.exists()


def test_bob_cannot_upload_to_alices_claim(client, bob, claim):
    client.force_login(bob)
    assert post(client, claim, [pdf()]).status_code == 404
    assert not claim.documents.exists()


def test_carol_sees_but_may_not_change_alices_documents(client, carol, claim):
    client.force_login(carol)
    response = post(client, claim, [pdf()], **XHR)
    assert response.status_code == 403
    assert "権限がありません" in response.json()["errors"][0]["message"]


def test_approved_claims_take_only_the_claim_documents(as_alice, alice):
    claim = make_claim(created_by=alice, handler=alice, status=Claim.Status.APPROVED)
    refused = post(as_alice, claim, [pdf()], kind="accident_report", **XHR)
    assert refused.status_code == 403
    assert "保険金請求書類" in refused.json()["errors"][0]["message"]
    assert post(as_alice, claim, [pdf()], kind="claim_form", **XHR).status_code == 200
    assert claim.documents.get().kind == "claim_form"


def test_paid_claims_take_nothing(as_alice, alice):
    claim = make_claim(created_by=alice, handler=alice, status=Claim.Status.PAID)
    response = post(as_alice, claim, [pdf()], kind="payment_record", **XHR)
    assert response.status_code == 403
    assert "支払済み" in response.json()["errors"][0]["message"]


def test_a_failed_batch_leaves_no_file_behind(as_alice, claim, media, monkeypatch):
    from documents import services

    def boom(**kwargs):
        raise RuntimeError("after the files were written")

    monkeypatch.setattr(services, "_after_change", boom)
    with pytest.raises(RuntimeError):
        post(as_alice, claim, [pdf("a.pdf"), png("b.png")])
    assert not claim.documents.exists()
    assert not [p for p in Path(media).rglob("*") if p.is_file()]


def test_sniffing_reads_a_bounded_head(monkeypatch):
    # sanity: the head read by sniff is small, whatever the file size
    reads = []

    class Spy(io.BytesIO):
        def read(self, n=-1):
            reads.append(n)
            return super().read(n)

    filecheck.sniff(Spy(hostile.PDF_BYTES + b"0" * 100_000), name="a.pdf")
    assert reads and all(0 < n <= 8192 for n in reads)
