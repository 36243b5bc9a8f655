"""In the browser (issue 18, items 4 and 8): a session that expires while alice types an
item keeps the typed values and says in Japanese to sign in again; signed in again in another
tab, the same form saves. The bulk 督促 asks first, naming the selected claims and what
happens: キャンセル sends nothing, 督促する sends."""

import re

import pytest

from claims.models import Claim
from documents.models import DocumentRequest
from tests.conftest import make_claim
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
S = Claim.Status
EXPIRED = (
    "セッションの有効期限が切れました。別のタブでサインインしてから、もう一度保存してください。"
)


def drop_session_cookie(context):
    kept = [c for c in context.cookies() if c["name"] != "sessionid"]
    context.clear_cookies()
    context.add_cookies(kept)


def test_an_expired_session_during_an_item_add_keeps_the_typed_values(page, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    login(page, "alice")
    page.goto(f"/claims/{claim.number}/")
    page.locator("#damages details.add-item summary").click()
    form = page.locator("#damages details.add-item form")
    form.locator("[name=add-damages-client_name]").fill("株式会社山田製作所")
    form.locator("[name=add-damages-kind]").select_option("business_interruption")
    form.locator("[name=add-damages-claimed]").fill("120,000")
    form.locator("[name=add-damages-recognized]").fill("120,000")

    drop_session_cookie(page.context)  # the sign-in ends while she types
    form.locator("button.btn-primary").click()

    alert = page.locator(".htmx-alert")
    alert.wait_for()
    assert EXPIRED in alert.inner_text()
    link = alert.locator("a")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href") == "/accounts/login/"
    # nothing swapped in: still the claim page, the form and what she typed
    assert page.locator("input[name=password]").count() == 0
    assert form.locator("[name=add-damages-client_name]").input_value() == "株式会社山田製作所"
    assert form.locator("[name=add-damages-claimed]").input_value() == "120,000"
    assert not claim.damages.exists()

    other = page.context.new_page()  # signs in again in another tab
    login(other, "alice")
    other.close()

    form.locator("button.btn-primary").click()
    page.locator("#damages tr[data-row]").wait_for()
    assert page.locator(".htmx-alert").count() == 0
    damage = claim.damages.get()
    assert (damage.client_name, damage.claimed) == ("株式会社山田製作所", 120_000)


def test_the_bulk_follow_up_asks_first_naming_the_claims_and_the_consequence(page, alice):
    first = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    second = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    login(page, "alice")
    page.goto("/claims/")
    page.locator(f'input[aria-label="{first.number} を選択"]').check()
    page.locator(f'input[aria-label="{second.number} を選択"]').check()

    page.get_by_role("button", name="不足書類を督促").click()
    dialog = page.locator("dialog.confirm-dialog")
    dialog.wait_for(state="visible")
    text = dialog.inner_text()
    assert f"{first.number} {first.policy.insured.name}" in text
    assert f"{second.number} {second.policy.insured.name}" in text
    assert "督促 (再依頼) を記録し、被保険者あての依頼状を作ります" in text

    dialog.get_by_role("button", name="キャンセル").click()
    dialog.wait_for(state="hidden")
    page.wait_for_timeout(300)
    assert re.search(r"/claims/(\?.*)?$", page.url)
    assert DocumentRequest.objects.count() == 0

    page.get_by_role("button", name="不足書類を督促").click()
    dialog.wait_for(state="visible")
    dialog.get_by_role("button", name="督促する").click()
    page.wait_for_url(re.compile(r"/documents/requests/letters/"))
    assert set(DocumentRequest.objects.values_list("claim_id", flat=True)) == {
        first.pk,
        second.pk,
    }
