"""An auditor's pass over the money controls through Django admin and over time (#16).

tests/test_admin_money.py walks every admin form as the admin group (dave). Here: a
superuser, the admin's bulk 「削除」 action, reference data that money is routed by (the
policy's insured decides whose bank account a payout is transferred to), approval
authorities edited by a supervisor who also has admin rights, plan limits edited after a
payout was decided (the insured's letters keep the decided figures), and the 要督促 column
kept by the database (no admin page may touch the requests it is computed from).
"""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from claims.approvals import payouts
from claims.models import ApprovalAuthority, Claim, Incident, Insured, Payout, Policy
from coverage.models import Plan
from documents import letters
from documents import services as doc_services
from documents.models import DocumentRequest
from payments import services as pay_services
from payments.models import BankAccount, BatchItem
from tests.claims.approval_helpers import awaiting_claim
from tests.claims.test_reassess import post_plan
from tests.conftest import make_claim, make_policy
from tests.documents.doc_helpers import add_damage
from tests.payments.helpers import confirmed_account, make_frank
from tests.test_admin_money import (  # noqa: F401 - fixtures
    PROTECTED,
    _fast_hasher,
    admin_url,
    every_field_changed,
    model_fields_changed,
    protected_state,
    world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", password="pw-root-123")  # noqa: S106


def bulk_delete(client, model, pks):
    """The changelist's 「選択された … の削除」 action, confirmed, as a browser posts it."""
    return client.post(
        admin_url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [str(pk) for pk in pks], "post": "yes"},
    )


def test_a_superuser_rewrites_and_deletes_no_money_through_any_admin_view_or_action(
    client,
    world,  # noqa: F811 - the fixture
    root,
):
    """Every model the services own, as a superuser: the change form with every field
    changed and every model field forged, the add form, the delete page and the bulk delete
    action. And the reference data claims rest on (insured, policy, incident, plan) cannot
    be deleted from under them."""
    client.force_login(root)
    owned = [
        m
        for m in PROTECTED
        if m in admin.site._registry
        and m is not ApprovalAuthority
        and m._meta.app_label in {"claims", "documents", "payments"}
    ]
    before = protected_state()
    for model in owned:
        obj = model.objects.order_by("pk").first()
        change = admin_url(model, "change", obj.pk)
        page = client.get(change)
        assert page.status_code == 200, model  # the superuser sees it
        data = {**model_fields_changed(model, root), **every_field_changed(page.content.decode())}
        assert client.post(change, data).status_code == 403, model
        assert client.post(admin_url(model, "add"), data).status_code == 403, model
        assert client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        changelist = client.get(admin_url(model, "changelist")).content.decode()
        assert 'value="delete_selected"' not in changelist, model
        bulk_delete(client, model, model.objects.values_list("pk", flat=True))
    assert protected_state() == before

    policy = world.policy
    for model, obj in (
        (Insured, policy.insured),
        (Policy, policy),
        (Incident, world.incident),
        (Plan, policy.plan),
    ):
        bulk_delete(client, model, [obj.pk])
        client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})
        assert model.objects.filter(pk=obj.pk).exists(), model
    world.refresh_from_db()
    assert world.status == Claim.Status.PAID
    assert Payout.objects.get(claim=world).status == Payout.Status.PAID


def _policy_form(client, policy, **changes):
    page = client.get(admin_url(Policy, "change", policy.pk))
    data = every_field_changed(page.content.decode())
    data.update(
        {
            "number": policy.number,
            "insured": str(policy.insured_id),
            "plan": str(policy.plan_id),
            "period_start": policy.period_start.isoformat(),
            "period_end": policy.period_end.isoformat(),
            **changes,
        }
    )
    return page, client.post(admin_url(Policy, "change", policy.pk), data)


@pytest.mark.parametrize("who", ["root", "dave"])
def test_moving_a_policy_with_an_approved_payout_to_another_insured_does_not_redirect_the_money(
    client, request, alice, carol, erin, who
):
    """The payer's batch transfers an approved payout to the confirmed account of the
    claim's policy's insured. Re-pointing that policy at another insured in admin would send
    the money to an account nobody confirmed for this claim, past the account's four eyes."""
    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    mine = confirmed_account(claim.policy.insured, entered_by=alice, confirmed_by=carol)
    other = make_policy().insured
    confirmed_account(other, entered_by=alice, confirmed_by=erin, account_number="7654321")

    client.force_login(request.getfixturevalue(who))  # a superuser, or the admin group
    page, answer = _policy_form(client, claim.policy, insured=str(other.pk))
    assert answer.status_code == 302  # the rest of the policy still saves
    assert "事故がある保険契約の被保険者は変更できません" in page.content.decode()
    claim.policy.refresh_from_db()
    assert claim.policy.insured_id != other.pk

    batch = pay_services.batch_create(by=make_frank(), transfer_date=datetime.date.today())
    item = BatchItem.objects.get(batch=batch, payout__claim=claim)
    assert item.account_id == mine.pk
    assert BankAccount.objects.get(pk=item.account_id).account_number == "1234567"


def test_a_policy_without_claims_can_still_be_corrected_to_another_insured(client, root):
    policy, other = make_policy(), make_policy().insured
    client.force_login(root)
    page, answer = _policy_form(client, policy, insured=str(other.pk))
    assert answer.status_code == 302
    assert "事故がある保険契約の被保険者は変更できません" not in page.content.decode()
    policy.refresh_from_db()
    assert policy.insured_id == other.pk


@pytest.mark.parametrize("how", ["superuser", "staff_with_permission"])
def test_a_supervisor_with_admin_rights_cannot_raise_or_take_an_approval_authority_for_themself(
    client, alice, carol, erin, how
):
    """Four eyes on authority: carol (10,000,000円) given admin rights raises her own limit,
    or takes erin's row, or adds a second; then approves 50,000,000円 alone. Refused with a
    Japanese message; another admin still edits her limit."""
    if how == "superuser":
        carol.is_superuser = True
    else:
        carol.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="claims",
                codename__in=[
                    "view_approvalauthority",
                    "change_approvalauthority",
                    "add_approvalauthority",
                    "delete_approvalauthority",
                ],
            )  # fmt: skip
        )
    carol.is_staff = True
    carol.save()
    own, erins = carol.approval_authority, erin.approval_authority
    client.force_login(carol)

    change = admin_url(ApprovalAuthority, "change", own.pk)
    assert client.post(change, {"user": carol.pk, "limit": "999999999"}).status_code == 403
    assert (
        client.post(admin_url(ApprovalAuthority, "delete", own.pk), {"post": "yes"}).status_code
        == 403
    )
    own.delete()  # without a row of her own, she takes erin's, or adds one
    page = client.get(admin_url(ApprovalAuthority, "change", erins.pk))
    assert page.status_code == 200
    assert 'name="user"' not in page.content.decode()  # whose limit it is stays put
    client.post(
        admin_url(ApprovalAuthority, "change", erins.pk), {"user": carol.pk, "limit": "200000000"}
    )
    added = client.post(
        admin_url(ApprovalAuthority, "add"), {"user": carol.pk, "limit": "999999999"}
    )
    assert added.status_code == 200
    assert "自分の承認権限は登録・変更できません" in added.content.decode()

    assert not ApprovalAuthority.objects.filter(user=carol).exists()
    erins.refresh_from_db()
    assert (erins.user_id, erins.limit) == (erin.pk, 200_000_000)
    claim = awaiting_claim(handler=alice, liability=50_000_000, expense=0)
    with pytest.raises(payouts.ClaimError):
        payouts.payout_approve(claim=claim, by=carol, amount=50_000_000)

    # someone else with the right may still set carol's limit
    ApprovalAuthority.objects.create(user=carol, limit=10_000_000)
    client.force_login(erin)
    erin.is_staff = erin.is_superuser = True
    erin.save()
    answer = client.post(
        admin_url(ApprovalAuthority, "change", carol.approval_authority.pk),
        {"user": carol.pk, "limit": "60000000"},
    )
    assert answer.status_code == 302
    assert ApprovalAuthority.objects.get(user=carol).limit == 60_000_000


def test_a_plan_cut_after_approval_leaves_the_decided_letter_and_payout_and_reassesses_the_open_claim(
    client, alice, erin, dave, django_capture_on_commit_callbacks
):
    decided = awaiting_claim(handler=alice, liability=80_000_000, expense=0)
    payout = payouts.payout_approve(claim=decided, by=erin, amount=80_000_000)
    open_claim = awaiting_claim(handler=alice, liability=80_000_000, expense=0)
    client.force_login(dave)
    with django_capture_on_commit_callbacks(execute=True):
        post_plan(client, Plan.objects.get(code="cyber_standard"), liability_limit="50,000,000")

    payout.refresh_from_db()
    decided.refresh_from_db()
    open_claim.refresh_from_db()
    assert (payout.amount, payout.liability_amount) == (80_000_000, 80_000_000)
    assert decided.total_payable == 80_000_000
    assert open_claim.total_payable == 50_000_000
    ctx = letters.damage_letter_context(decided)
    assert ctx["damages_total"]["covered"] == 80_000_000
    assert ctx["total_payable"] == 80_000_000
    assert ctx["plan"].liability_limit == 100_000_000
    assert not ctx["draft"]
    assert letters.damage_letter_context(open_claim)["total_payable"] == 50_000_000
    assert letters.payment_letter_context(payout)["payout"].amount == 80_000_000


def test_no_admin_view_or_action_moves_a_claim_off_the_follow_up_queue(client, alice, root):
    """要督促 reads Claim.open_request_at, which the database keeps from the requests. A
    superuser cannot answer, re-date or delete a request, nor write the column, in admin."""
    claim = make_claim(created_by=alice, handler=alice)
    add_damage(claim, client="株式会社B")
    req = doc_services.documents_request(claim=claim, by=alice)
    old = timezone.now() - datetime.timedelta(days=30)
    DocumentRequest.objects.filter(pk=req.pk).update(requested_at=old)

    def follow_up():
        client.force_login(alice)
        return [
            c.pk
            for c in client.get(reverse("claims:queue"), {"status": "follow_up"}).context["claims"]
        ]

    assert follow_up() == [claim.pk]
    client.force_login(root)
    forged = {"fulfilled_at_0": "2099-01-01", "fulfilled_at_1": "00:00", "fulfilled_at": "2099-01-01 00:00",
              "requested_at": "2099-01-01 00:00", "claim": str(claim.pk)}  # fmt: skip
    assert client.post(admin_url(DocumentRequest, "change", req.pk), forged).status_code == 403
    assert (
        client.post(admin_url(DocumentRequest, "delete", req.pk), {"post": "yes"}).status_code
        == 403
    )
    bulk_delete(client, DocumentRequest, [req.pk])
    data = model_fields_changed(Claim, root) | {"open_request_at": ""}
    assert client.post(admin_url(Claim, "change", claim.pk), data).status_code == 403

    req.refresh_from_db()
    assert (req.requested_at, req.fulfilled_at) == (old, None)
    assert Claim.objects.values_list("open_request_at", flat=True).get(pk=claim.pk) == old
    assert follow_up() == [claim.pk]
