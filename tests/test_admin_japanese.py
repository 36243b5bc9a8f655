"""Django admin in Japanese (#18 item 7): every changelist, and a change page and a history
page of each model that has a row, read by an administrator on the demo data, shows no
English label: model and app names, field labels, filters, the sign-in throttle's pages
(django-axes ships no Japanese), permission names, empty history cells."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Django's own Japanese help text under a multiple select names the keys to hold:
# 「“Control” キーを押したまま (Mac は “Command” キー) で複数選択できます。」
# The sign-in log shows the browser's HTTP Accept header under its own name.
ALLOWED = {"Control", "Command", "Mac", "Accept"}
WORD = re.compile(r"\b[A-Z][a-z]{2,}(?: [a-z]{2,})*\b")


def english_words(html: str) -> set[str]:
    text = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return set(WORD.findall(text)) - ALLOWED


def test_every_admin_page_an_administrator_opens_is_in_japanese(admin_client):
    call_command("seed_demo", verbosity=0)
    index = admin_client.get(reverse("admin:index")).content.decode()
    changelists = sorted(set(re.findall(r'href="(/admin/[a-z_]+/[a-z_]+/)"', index)))
    assert len(changelists) >= 20
    assert "サインインの試行記録" in index and "サインイン試行" in index  # django-axes

    found = {}
    for url in changelists:
        page = admin_client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        found[url] = english_words(html)
        first = re.search(rf'href="({re.escape(url)}\d+/change/)"', html)
        if first:
            for sub in (first.group(1), first.group(1).replace("/change/", "/history/")):
                response = admin_client.get(sub)
                assert response.status_code == 200, sub
                found[sub] = english_words(response.content.decode())

    assert {url: words for url, words in found.items() if words} == {}


def test_permissions_are_listed_under_japanese_names(admin_client):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.get(name="handler")
    page = admin_client.get(reverse("admin:auth_group_change", args=[group.pk])).content.decode()

    assert "保険事故の追加" in page and "振込バッチの閲覧" in page
    assert "Can add" not in page
    assert not Permission.objects.filter(name__startswith="Can ").exists()


def test_the_sign_in_attempts_list_names_its_status_column_in_japanese(admin_client):
    """With an attempt on record (the walk above sees none) the list shows django-axes'
    column of tries left, whose header axes leaves unnamed: 'Status'."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="mallory", ip_address="203.0.113.9", user_agent="curl", failures_since_start=3
    )
    html = admin_client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()

    assert "7 回まで試行可" in html
    assert english_words(html) == set()
    assert ">状態<" in html


def test_a_claims_history_shows_status_labels_and_no_none(admin_client, alice, carol):
    """The history's changes showed the stored codes: 「状態: approved → paid」, 「支払日: None
    → 2026-11-30」."""
    import datetime

    from claims.approvals import payouts
    from tests.payments.helpers import approved_claim

    claim = approved_claim(handler=alice, approver=carol)
    payouts.payout_mark_paid(claim=claim, by=carol, paid_on=datetime.date.today(), reference="FB")
    url = reverse("admin:claims_claim_history", args=[claim.pk])
    html = admin_client.get(url).content.decode()

    assert "承認待ち" in html and "承認済み" in html and "支払済み" in html
    assert "awaiting_approval" not in html and "None" not in html
    today = datetime.date.today()
    assert f"{today:%Y/%m/%d}" in html and f"{today:%Y-%m-%d}" not in html  # 支払日


def test_a_payouts_approved_assessment_reads_in_japanese(admin_client, alice, carol):
    """The snapshot the supervisor approved showed as raw JSON ("decision": "covered"): now a
    table of items with 判定 and 支払対象額, the limits and the total; the JSON folded below."""
    from tests.payments.helpers import approved_claim

    carol.last_name, carol.first_name = "高橋", "佳織"
    carol.save()
    claim = approved_claim(handler=alice, approver=carol)
    payout = claim.payouts.get()
    html = admin_client.get(reverse("admin:claims_payout_change", args=[payout.pk])).content
    html = html.decode()

    table, _, folded = html.partition("<details>")
    assert "支払対象" in table and "支払見込額 合計" in table
    assert f"{payout.snapshot['assessment']['total_payable']:,}円" in table
    assert ">covered<" not in table and ">支払対象<" in table  # the decision by its label
    assert "&quot;decision&quot;: &quot;covered&quot;" in folded  # the record, as kept
    assert html.count("&quot;decision&quot;") == folded.count("&quot;decision&quot;")
    # the money in yen and the approver by name, not 577375 and a login name
    page = html.replace(" ", "").replace("\n", "")
    assert f'class="readonly">{payout.amount:,}円<' in page
    assert 'class="readonly">高橋佳織<' in page and f">{payout.amount}<" not in page


def test_an_items_history_shows_amounts_in_yen(admin_client, alice):
    """An amount changed on an item read 「認定額: 1200000 → 900000」 in its admin history."""
    from claims.models import ClientDamage
    from tests.conftest import make_claim
    from tests.documents.doc_helpers import add_damage

    claim = make_claim(created_by=alice, handler=alice)
    add_damage(claim, client="株式会社A")
    damage = ClientDamage.objects.get(claim=claim)
    damage.claimed = 1_500_000
    damage.save()
    url = reverse("admin:claims_clientdamage_history", args=[damage.pk])
    html = admin_client.get(url).content.decode()

    assert "1,500,000円" in html and ">1500000<" not in html.replace(" ", "")
