"""Serving files safely and only to who may see the claim: IDOR, headers, soft delete views."""

import pytest
from django.urls import reverse

from documents import services
from documents.models import Document
from tests.conftest import make_claim
from tests.documents import hostile
from tests.documents.doc_helpers import add_damage, add_overtime, pdf, png, upload_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def claim(alice):
    return make_claim(created_by=alice, handler=alice)


@pytest.fixture
def doc(claim, alice):
    return services.document_upload(claim=claim, by=alice, files=[pdf()], kind="accident_report")[0]


def test_bob_cannot_reach_alices_documents_by_guessing(client, bob, claim, doc):
    client.force_login(bob)
    gets = [
        reverse("documents:download", args=[doc.pk]),
        reverse("documents:preview", args=[doc.pk]),
        reverse("documents:panel", args=[claim.number]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        (reverse("documents:delete", args=[doc.pk]), {"reason": "x"}),
        (reverse("documents:upload", args=[claim.number]), {"kind": "other"}),
        (reverse("documents:request", args=[claim.number]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    # unknown ids look the same as forbidden ones
    assert client.get(reverse("documents:download", args=[doc.pk + 999])).status_code == 404
    doc.refresh_from_db()
    assert doc.deleted_at is None
    assert not claim.document_requests.exists()


def test_bob_does_not_see_alices_documents_on_his_own_pages(client, bob, claim, doc):
    own = make_claim(created_by=bob, handler=bob)
    client.force_login(bob)
    page = client.get(reverse("documents:panel", args=[own.number])).content.decode()
    assert doc.original_name not in page
    assert reverse("documents:download", args=[doc.pk]) not in page


def test_bob_cannot_open_alices_request_letter(client, alice, bob, claim):
    req = services.documents_request(claim=claim, by=alice)
    client.force_login(bob)
    assert client.get(reverse("documents:request_letter", args=[req.pk])).status_code == 404


def test_anonymous_users_are_sent_to_login(client, doc):
    response = client.get(reverse("documents:download", args=[doc.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_supervisor_may_read_alices_documents(client, carol, doc):
    client.force_login(carol)
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 200


def test_downloads_are_attachments_with_nosniff_and_a_sandbox(client, alice, doc):
    client.force_login(alice)
    response = client.get(reverse("documents:download", args=[doc.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "sandbox" in response["Content-Security-Policy"]


def test_previews_are_inline_only_for_pdf_png_and_jpeg(client, claim, alice):
    client.force_login(alice)
    docs = services.document_upload(
        claim=claim,
        by=alice,
        files=[
            pdf("a.pdf"),
            png("b.png"),
            upload_file("c.xlsx", hostile.ooxml("xlsx")),
            upload_file("d.csv", hostile.CSV_UTF8),
        ],
        kind="other",
    )
    seen = {}
    for d in docs:
        r = client.get(reverse("documents:preview", args=[d.pk]))
        seen[d.original_name] = (r["Content-Disposition"].split(";")[0], r["Content-Type"])
        assert r["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in r["Content-Security-Policy"]
    assert seen == {
        "a.pdf": ("inline", "application/pdf"),
        "b.png": ("inline", "image/png"),
        "c.xlsx": (
            "attachment",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "d.csv": ("attachment", "text/csv"),
    }
    png_response = client.get(reverse("documents:preview", args=[docs[1].pk]))
    assert "sandbox" in png_response["Content-Security-Policy"]
    # Chromium's PDF viewer refuses to run sandboxed: inline PDFs get default-src 'none' only
    pdf_response = client.get(reverse("documents:preview", args=[docs[0].pk]))
    assert "sandbox" not in pdf_response["Content-Security-Policy"]


def test_deleted_documents_are_gone_from_views_but_kept(client, alice, doc):
    client.force_login(alice)
    response = client.post(reverse("documents:delete", args=[doc.pk]), {"reason": "重複"})
    assert response.status_code == 302
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 404
    assert Document.objects.filter(pk=doc.pk, deleted_at__isnull=False).exists()


def test_delete_needs_post_and_a_reason(client, alice, doc):
    client.force_login(alice)
    assert client.get(reverse("documents:delete", args=[doc.pk])).status_code == 405
    response = client.post(reverse("documents:delete", args=[doc.pk]), {"reason": ""}, follow=True)
    assert "削除理由を入力してください。" in response.content.decode()
    doc.refresh_from_db()
    assert doc.deleted_at is None


def test_carol_may_not_delete_alices_document(client, carol, doc):
    client.force_login(carol)
    response = client.post(reverse("documents:delete", args=[doc.pk]), {"reason": "x"}, follow=True)
    assert "権限がありません" in response.content.decode()
    doc.refresh_from_db()
    assert doc.deleted_at is None


def test_the_panel_shows_whats_in_and_whats_missing(client, alice, claim, doc):
    add_damage(claim, client="株式会社A")
    add_overtime(claim)
    client.force_login(alice)
    html = client.get(reverse("documents:panel", args=[claim.number])).content.decode()
    assert 'data-item="accident_report" data-satisfied="1"' in html
    assert 'data-item="damage_claim:client:株式会社A" data-satisfied="0"' in html
    assert "超過勤務 山田花子 2023/06/06・150分" in html
    assert 'name="files"' in html and "multiple" in html
    assert "js/uploads.js" in html


def test_the_panel_has_a_fixed_query_count(client, alice, claim, django_assert_max_num_queries):
    for i in range(5):
        d = add_damage(claim, client=f"顧問先{i}")
        o = add_overtime(claim, employee=f"従業員{i}")
        services.document_upload(
            claim=claim, by=alice, files=[pdf()], kind="damage_claim", damage=d
        )
        services.document_upload(
            claim=claim, by=alice, files=[pdf()], kind="wage_basis", overtime_entries=[o]
        )
    client.force_login(alice)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("documents:panel", args=[claim.number]))
    assert response.content.decode().count("data-document=") == 10


def test_read_only_viewers_see_the_panel_without_upload_or_delete(client, carol, claim, doc):
    client.force_login(carol)
    html = client.get(reverse("documents:panel", args=[claim.number])).content.decode()
    assert doc.original_name in html
    assert "data-upload-form" not in html
    assert reverse("documents:delete", args=[doc.pk]) not in html
    assert "書類を追加する権限がありません" in html


def test_approved_claims_offer_only_the_claim_document_kinds(client, alice):
    from claims.models import Claim

    claim = make_claim(created_by=alice, handler=alice, status=Claim.Status.APPROVED)
    client.force_login(alice)
    html = client.get(reverse("documents:panel", args=[claim.number])).content.decode()
    assert 'value="claim_form"' in html and 'value="payment_record"' in html
    assert 'value="accident_report"' not in html
