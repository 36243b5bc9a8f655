"""In the browser: files uploaded at once on the claim page update the checklist, each with
its own kind and target (#18); a stored document is reclassified; one request page.

Set SCREENSHOT_DIR to keep screenshots of the documents panel and the request letter.
"""

import os

import pytest

from documents import services
from documents.models import Document
from tests.conftest import make_claim
from tests.documents import hostile
from tests.documents.doc_helpers import add_damage, add_expense, add_overtime, pdf
from tests.e2e.conftest import login

PDF = hostile.PDF_BYTES
NAMES = ["勤怠記録_6月.pdf", "賃金台帳_2023.pdf", "業務日報.png"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def shot(page, name, locator=None):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        (locator or page).screenshot(
            path=os.path.join(folder, name), **({} if locator else {"full_page": True})
        )


@pytest.fixture
def claim(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    claim = make_claim(created_by=alice, handler=alice)
    add_damage(claim, client="株式会社ひまわり商事")
    add_expense(claim)
    add_overtime(claim)
    return claim


def item(page, key):
    return page.locator(f'[data-documents-panel] li[data-item="{key}"]')


def test_two_files_at_once_update_the_checklist(page, alice, claim):
    ot = claim.overtime_entries.get()
    login(page, "alice")
    page.goto(f"/claims/{claim.number}/")
    panel = page.locator("[data-documents-panel]")
    assert item(page, f"attendance_record:o{ot.pk}").get_attribute("data-satisfied") == "0"
    assert "不足" in panel.locator("[data-checklist-status]").inner_text()

    form = panel.locator("form[data-upload-form]")
    form.locator("input[name=files]").set_input_files(
        [
            {
                "name": "勤怠記録_6月.pdf",
                "mimeType": "application/pdf",
                "buffer": hostile.PDF_BYTES,
            },
            {"name": "タイムカード.png", "mimeType": "image/png", "buffer": hostile.png_bytes()},
        ]
    )
    # one row per file, kind and target guessed from the name
    assert form.locator("select[name=kind_0]").input_value() == "attendance_record"
    form.locator("select[name=kind_1]").select_option("attendance_record")
    assert form.locator("select[name=target_1]").input_value() == f"o{ot.pk}"
    # record the progress bar's values across the reload that follows the upload
    page.evaluate(
        """() => {
        const bar = document.querySelector("[data-upload-progress]");
        new MutationObserver(() => {
          if (bar.classList.contains("d-none")) return;
          const seen = JSON.parse(sessionStorage.getItem("progress") || "[]");
          seen.push(bar.getAttribute("aria-valuenow"));
          sessionStorage.setItem("progress", JSON.stringify(seen));
        }).observe(bar, {attributes: true});
      }"""
    )
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    progress = page.evaluate("JSON.parse(sessionStorage.getItem('progress') || '[]')")
    assert progress[0] == "0" and progress[-1] == "100"  # the XHR path, not a plain POST
    row = item(page, f"attendance_record:o{ot.pk}")
    assert row.get_attribute("data-satisfied") == "1"
    assert "勤怠記録_6月.pdf" in row.inner_text() and "タイムカード.png" in row.inner_text()
    assert item(page, f"wage_basis:o{ot.pk}").get_attribute("data-satisfied") == "0"
    assert "2件のファイルを登録しました" in page.content()
    assert Document.objects.filter(overtime_entry=ot).count() == 2
    shot(page, "documents_panel.png", page.locator("[data-documents-panel]"))
    shot(page, "claim_page.png")


def test_a_refused_file_shows_its_reason_without_leaving_the_page(page, alice, claim):
    login(page, "alice")
    page.goto(f"/claims/{claim.number}/")
    form = page.locator("form[data-upload-form]")
    form.locator("input[name=files]").set_input_files(
        [
            {"name": "ok.pdf", "mimeType": "application/pdf", "buffer": hostile.PDF_BYTES},
            {"name": "請求書.pdf", "mimeType": "application/pdf", "buffer": hostile.HTML_BYTES},
        ]
    )
    form.locator("select[name=kind_0]").select_option("damage_claim")
    form.locator("button[type=submit]").click()
    errors = form.locator("[data-upload-errors]")
    errors.get_by_text("請求書.pdf").wait_for()
    assert "名前の形式と一致しない" in errors.inner_text()
    assert not Document.objects.exists()
    shot(page, "upload_refused.png", page.locator("[data-documents-panel]"))


def test_request_letter_lists_the_missing_items(page, alice, claim):
    login(page, "alice")
    page.goto(f"/claims/{claim.number}/")
    panel = page.locator("[data-documents-panel]")
    with page.expect_navigation():
        panel.get_by_text("不足書類を依頼する").click()
    # the preview names exactly what will be asked for
    assert page.locator("[data-request-preview] li[data-item]").count() == 10
    page.get_by_label("連絡事項 (任意)").fill("6月分の勤怠記録を優先してご送付ください。")
    page.get_by_label("回答期限 (任意)").fill("2099-12-15")
    with page.expect_navigation():
        page.get_by_role("button", name="依頼を記録して依頼状を作成").click()
    assert "書類ご提出のお願い" in page.content()
    assert "ご提出期限: 2099年12月15日" in page.content()
    assert page.locator("li[data-item]").count() == 10
    shot(page, "request_letter.png")
    page.emulate_media(media="print")
    assert not page.locator(".toolbar").is_visible()
    page.emulate_media(media="screen")
    claim.refresh_from_db()
    assert claim.status == "documents_requested"


def test_without_javascript_the_form_posts_plainly(browser, live_server, alice, claim):
    context = browser.new_context(
        viewport={"width": 1366, "height": 768},
        locale="ja-JP",
        base_url=live_server.url,
        java_script_enabled=False,
    )
    try:
        page = context.new_page()
        login(page, "alice")
        page.goto(f"/claims/{claim.number}/")
        form = page.locator("form[data-upload-form]")
        form.locator("input[name=files]").set_input_files(
            [
                {
                    "name": "事故連絡票.pdf",
                    "mimeType": "application/pdf",
                    "buffer": hostile.PDF_BYTES,
                },
                {"name": "補足.png", "mimeType": "image/png", "buffer": hostile.png_bytes()},
            ]
        )
        form.locator("select[name=kind]").select_option("accident_report")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert item(page, "accident_report").get_attribute("data-satisfied") == "1"
        assert Document.objects.filter(kind="accident_report").count() == 2
    finally:
        context.close()


def test_three_files_with_three_kinds_in_one_upload_then_a_reclassify(page, alice, claim):
    ot = claim.overtime_entries.get()
    (misfiled,) = services.document_upload(
        claim=claim, by=alice, files=[pdf("事故連絡票_署名済.pdf")], kind="other"
    )
    login(page, "alice")
    page.goto(f"/claims/{claim.number}/")
    form = page.locator("form[data-upload-form]")
    evidence = [f"{kind}:o{ot.pk}" for kind in ("attendance_record", "wage_basis", "task_record")]
    assert [item(page, key).get_attribute("data-satisfied") for key in evidence] == ["0"] * 3

    form.locator("input[name=files]").set_input_files(
        [
            {"name": "勤怠記録_6月.pdf", "mimeType": "application/pdf", "buffer": PDF},
            {"name": "賃金台帳_2023.pdf", "mimeType": "application/pdf", "buffer": PDF},
            {"name": "業務日報.png", "mimeType": "image/png", "buffer": hostile.png_bytes()},
        ]
    )
    rows = form.locator("[data-file-row]")
    assert rows.count() == 3
    # guessed from the names, each with a labelled select (種類 and 対象 per file)
    guessed = [form.get_by_label(f"書類の種類: {n}").input_value() for n in NAMES]
    assert guessed == ["attendance_record", "wage_basis", "task_record"]
    assert [form.get_by_label(f"対象: {n}").input_value() for n in NAMES] == [f"o{ot.pk}"] * 3
    assert not form.locator("select[name=kind]").is_visible()  # the batch select gives way
    shot(page, "upload_rows.png", form)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    assert "3件のファイルを登録しました" in page.content()
    assert [item(page, key).get_attribute("data-satisfied") for key in evidence] == ["1"] * 3
    assert dict(
        Document.objects.filter(overtime_entry=ot).values_list("original_name", "kind")
    ) == {
        "勤怠記録_6月.pdf": "attendance_record",
        "賃金台帳_2023.pdf": "wage_basis",
        "業務日報.png": "task_record",
    }

    # the accident report filed as その他 counts for nothing until it is reclassified
    assert item(page, "accident_report").get_attribute("data-satisfied") == "0"
    row = page.locator(f'[data-document="{misfiled.pk}"]')
    row.get_by_text("種類・対象を変更").click()
    row.get_by_label("書類の種類").select_option("accident_report")
    row.get_by_label("変更の理由 (任意)").fill("種類の選び間違い")
    with page.expect_navigation():
        row.get_by_role("button", name="変更する").click()
    assert "「事故連絡票_署名済.pdf」を「事故連絡票」に変更しました" in page.content()
    assert item(page, "accident_report").get_attribute("data-satisfied") == "1"
    assert "事故連絡票_署名済.pdf" in item(page, "accident_report").inner_text()
    shot(page, "documents_per_file.png", page.locator("[data-documents-panel]"))


def test_files_dropped_on_the_upload_card_get_their_rows(page, alice, claim):
    login(page, "alice")
    page.goto(f"/claims/{claim.number}/")
    form = page.locator("form[data-upload-form]")
    transfer = page.evaluate_handle(
        """() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["%PDF-1.4"], "業務委託契約書.pdf", {type: "application/pdf"}));
        dt.items.add(new File(["%PDF-1.4"], "ひまわり商事_請求書.pdf", {type: "application/pdf"}));
        return dt;
      }"""
    )
    form.dispatch_event("dragover", {"dataTransfer": transfer})
    assert "is-dragover" in form.get_attribute("class")
    form.dispatch_event("drop", {"dataTransfer": transfer})

    assert form.locator("[data-file-row]").count() == 2
    damage = claim.damages.get()
    assert form.locator("select[name=kind_0]").input_value() == "service_contract"
    assert form.locator("select[name=kind_1]").input_value() == "damage_claim"
    assert form.locator("select[name=target_1]").input_value() == f"d{damage.pk}"
    assert "is-dragover" not in form.get_attribute("class")
