"""Download names say what a file is, and long names are shortened with a message (#16).

A file starting %PDF-1.4 that carried HTA script downloaded as invoice.hta (also .html,
.bat, .exe, .svg); a name over ~340 characters got a bare 400 from the multipart parser.
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from documents import filecheck
from documents.models import Document
from tests.conftest import make_claim
from tests.documents import hostile
from tests.documents.doc_helpers import pdf, png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
POLYGLOT = (
    hostile.PDF_BYTES + b"\n<HTA:APPLICATION><script>new ActiveXObject('WScript.Shell')</script>"
)


@pytest.fixture
def claim(alice):
    return make_claim(created_by=alice, handler=alice)


def upload_url(claim):
    return reverse("documents:upload", args=[claim.number])


def raw_multipart(filename: str, data: bytes, kind="damage_claim"):
    """A multipart body as python-requests sends it: the name raw UTF-8 in the part header
    (Django's test client cuts names to 255 before sending)."""
    boundary = "----claimsdesk-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'.encode(),
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + data
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_raw(client, claim, filename, data=hostile.PDF_BYTES):
    body, content_type = raw_multipart(filename, data)
    return client.generic("POST", upload_url(claim), body, content_type=content_type)


@pytest.mark.parametrize("ext", ["hta", "html", "bat", "exe", "svg"])
def test_a_pdf_polyglot_downloads_with_the_pdf_extension(client, alice, claim, ext):
    client.force_login(alice)
    response = post_raw(client, claim, f"invoice.{ext}", POLYGLOT)
    assert response.status_code == 302

    doc = Document.objects.get(claim=claim)
    assert doc.original_name == "invoice.pdf"
    download = client.get(reverse("documents:download", args=[doc.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    notes = [str(m) for m in get_messages(download.wsgi_request)]
    assert any(f"「invoice.{ext}」は内容が PDF 形式のため、「invoice.pdf」" in n for n in notes)


def test_a_name_stored_before_the_fix_still_downloads_as_what_it_is(client, alice, claim):
    client.force_login(alice)
    client.post(upload_url(claim), {"files": [pdf("明細.pdf")], "kind": "damage_claim"})
    doc = Document.objects.get(claim=claim)
    Document.objects.filter(pk=doc.pk).update(original_name="report.pdf.exe")

    download = client.get(reverse("documents:download", args=[doc.pk]))

    assert download["Content-Disposition"] == 'attachment; filename="report.pdf"'


def test_a_png_named_without_extension_gets_png(client, alice, claim):
    client.force_login(alice)
    client.post(upload_url(claim), {"files": [png("scan")], "kind": "damage_claim"})
    assert Document.objects.get(claim=claim).original_name == "scan.png"


def test_right_extensions_are_kept():
    assert filecheck.name_for_type("写真.JPEG", filecheck.JPEG) == "写真.JPEG"
    assert filecheck.name_for_type("一覧.txt", filecheck.CSV) == "一覧.txt"
    assert filecheck.name_for_type("a.b.c", filecheck.PDF) == "a.b.pdf"
    assert len(filecheck.name_for_type("明" * 255, filecheck.XLSX)) == 255


def test_a_400_character_name_is_shortened_with_a_message_not_a_bare_400(client, alice, claim):
    client.force_login(alice)
    name = "損害賠償請求書" * 57 + "A.pdf"  # 404 characters, 1,200+ bytes in the header
    assert len(name) >= 400

    response = post_raw(client, claim, name)

    assert response.status_code == 302
    doc = Document.objects.get(claim=claim)
    assert len(doc.original_name) <= 255 and doc.original_name.endswith(".pdf")
    assert doc.original_name.startswith("損害賠償請求書")
    page = client.get(response["Location"]).content.decode()
    assert "ファイル名が長すぎるため (404文字)、255文字以内に短くして登録しました" in page


def test_a_name_beyond_what_the_server_reads_is_refused_in_japanese(client, alice, claim):
    client.force_login(alice)
    response = post_raw(client, claim, "明" * 2000 + ".pdf")

    assert response.status_code == 302  # back to the claim page, with why
    page = client.get(response["Location"]).content.decode()
    assert "ファイル名が長すぎるため受け取れませんでした" in page
    assert not Document.objects.filter(claim=claim).exists()
