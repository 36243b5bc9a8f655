"""Django admin cannot rewrite money (#16 item 2).

dave (the admin group) walks every registered admin model: the change form (and the add
and delete forms) posting every field it shows changed, plus every model field it does not
show, and a POST to a history revert URL. Nothing services own changes: statuses, payouts,
recoveries, the payment clock, handler, filer, totals, items, documents, approval
authorities, users and groups. The reference data the admin group does keep (insured,
policies, incidents, plans, sub-limits) really is saved, so the walk is not posting into
the void.
"""

import datetime
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.db import models
from django.test import Client
from django.urls import reverse

from claims.approvals import payouts
from claims.models import (
    ApprovalAuthority,
    Claim,
    ClaimNote,
    ClientDamage,
    Expense,
    Incident,
    Insured,
    OvertimeEntry,
    PaymentExtension,
    Payout,
    Policy,
    Recovery,
    StatusChange,
)
from coverage.models import ExpenseSublimit, Plan
from documents import services as doc_services
from documents.models import ChecklistOverride, Document, DocumentRequest, RenderJob
from payments.models import BankAccount, PaymentBatch
from tests.claims.approval_helpers import awaiting_claim
from tests.documents.doc_helpers import pdf
from tests.payments.helpers import confirmed_account

pytestmark = pytest.mark.django_db

# What the admin group may edit in admin; everything else registered must not change.
REFERENCE = {Insured, Policy, Incident, Plan, ExpenseSublimit}
PROTECTED = [
    Claim, ClientDamage, Expense, OvertimeEntry, StatusChange, Payout, Recovery,
    PaymentExtension, ClaimNote, ApprovalAuthority, Document, DocumentRequest, RenderJob,
    ChecklistOverride, BankAccount, PaymentBatch,
    AccessAttempt, AccessLog, AccessFailureLog,
]  # fmt: skip
SKIP_NAMES = {"csrfmiddlewaretoken", "_save", "_continue", "_addanother", "_saveasnew"}


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(alice, carol, dave, settings, tmp_path):
    """A paid claim with everything hanging off it: items, documents, a request, an
    extension, a note, a recovery asked for and a render job."""
    settings.MEDIA_ROOT = tmp_path / "media"
    claim = awaiting_claim(handler=alice)
    payouts.payment_extend(
        claim=claim,
        by=carol,
        new_due_on=datetime.date(2023, 8, 31),
        reason="顧問先の損害額の追加調査のため",
    )
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    doc_services.document_upload(claim=claim, by=alice, files=[pdf()], kind="claim_form")
    DocumentRequest.objects.create(claim=claim, items=["保険金請求書"], requested_by=alice)
    payouts.payout_mark_paid(claim=claim, by=carol, paid_on=datetime.date.today(), reference="FB-1")
    OvertimeEntry.objects.create(
        claim=claim, employee="山田花子", minutes=60, hourly_rate=2000, created_by=alice
    )
    ClaimNote.objects.create(claim=claim, channel="phone", party="insured", body="電話", by=alice)
    Recovery.objects.create(
        claim=claim, amount=1000, liability_amount=1000, reason="返還", requested_by=carol
    )
    ExpenseSublimit.objects.create(
        plan=Plan.objects.get(code="cyber_standard"), category="call_center", limit=5_000_000
    )
    browser = Client()  # a failed and a good sign-in: axes' attempt and log rows
    browser.post(reverse("login"), {"username": "alice", "password": "wrong"})
    browser.post(reverse("login"), {"username": "alice", "password": "pw-alice"})
    # the insured's bank account (entered and confirmed by two people) and a payment batch
    confirmed_account(claim.policy.insured, entered_by=alice, confirmed_by=carol)
    PaymentBatch.objects.create(transfer_date=datetime.date.today(), created_by=carol)
    ChecklistOverride.objects.create(
        claim=claim, stage="claim_documents", missing=["示談書"], reason="後日提出", by=carol
    )
    if not RenderJob.objects.exists():
        RenderJob.objects.create(claim=claim, kind="settlement_summary", version=1)
    return claim


def protected_state():
    state = {m.__name__: list(m.objects.order_by("pk").values()) for m in PROTECTED}
    state["users"] = [
        (u.username, u.is_superuser, u.is_staff, u.is_active, u.password,
         sorted(u.groups.values_list("name", flat=True)),
         sorted(u.user_permissions.values_list("codename", flat=True)))
        for u in User.objects.order_by("pk")
    ]  # fmt: skip
    state["groups"] = [
        (g.name, sorted(g.permissions.values_list("codename", flat=True)))
        for g in Group.objects.order_by("pk")
    ]
    return state


def reference_state():
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in REFERENCE}


class _FormFields(HTMLParser):
    """The fields a browser would submit from the admin form: [(name, kind, value, options)]."""

    def __init__(self):
        super().__init__()
        self.fields, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                self.fields.append((a["name"], kind, "checked" in a, [a.get("value", "on")]))
            elif kind not in {"submit", "button", "file", "image", "reset"}:
                self.fields.append((a["name"], kind, a.get("value", ""), []))
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], "select", "", []]
        elif tag == "option" and self._select is not None:
            self._select[3].append(a.get("value", ""))
            if "selected" in a:
                self._select[2] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], "textarea", "", []]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            self.fields.append(tuple(self._select))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None


def _changed(value: str) -> str:
    value = value.strip()
    if value.isdigit():
        return str(int(value) + 7)
    if value.replace(",", "").isdigit():  # yen shown with separators (the plan's limits)
        return f"{int(value.replace(',', '')) + 7:,}"
    try:
        return (datetime.date.fromisoformat(value) + datetime.timedelta(days=3)).isoformat()
    except ValueError:
        return value + "x"


def every_field_changed(html: str) -> dict:
    parser = _FormFields()
    parser.feed(html)
    data = {}
    for name, kind, value, options in parser.fields:
        if name in SKIP_NAMES or name.endswith(("_FORMS", "-DELETE")) or "__prefix__" in name:
            if name.endswith("_FORMS"):
                data[name] = value
            continue
        if kind in {"checkbox", "radio"}:
            if not value:
                data[name] = options[0]
        elif kind == "select":
            others = [o for o in options if o and o != value]
            data[name] = others[0] if others else value
        elif kind == "hidden":
            data[name] = value
        elif kind == "email":
            data[name] = "changed@example.jp"
        else:
            data[name] = _changed(value)
    return data


def model_fields_changed(model, dave) -> dict:
    """Every concrete field of the model, with a value of its type: what an attacker adds to
    the POST for fields the form does not show."""
    data = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.choices:
            data[f.name] = str(f.choices[-1][0])
        elif isinstance(f, models.ForeignKey):
            data[f.name] = str(dave.pk if f.related_model is User else 1)
        elif isinstance(f, models.BooleanField):
            data[f.name] = "on"
        elif isinstance(f, models.DateTimeField):
            data[f.name] = "2099-01-01 00:00"
        elif isinstance(f, models.DateField):
            data[f.name] = "2099-01-01"
        elif isinstance(f, (models.IntegerField, models.DecimalField)):
            data[f.name] = "999999999"
        elif isinstance(f, models.JSONField):
            data[f.name] = "{}"
        else:
            data[f.name] = "改ざん"
    return data


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_admin_group_changes_no_money_through_any_admin_form(client, world, dave, erin):
    client.force_login(dave)
    before = protected_state()
    reference_before = reference_state()
    refused, saved = set(), set()

    for model in admin.site._registry:
        obj = model.objects.order_by("pk").first()
        assert obj is not None, f"the world has no {model.__name__}: add one"
        forged = model_fields_changed(model, dave)
        change = admin_url(model, "change", obj.pk)
        page = client.get(change)
        data = {
            **forged,
            **(every_field_changed(page.content.decode()) if page.status_code == 200 else {}),
        }
        answer = client.post(change, data)
        assert answer.status_code in {200, 302, 403}, (model, answer.status_code)
        (saved if answer.status_code == 302 else refused).add(model)

        add = admin_url(model, "add")
        page = client.get(add)
        data = {
            **forged,
            **(every_field_changed(page.content.decode()) if page.status_code == 200 else {}),
        }
        added = client.post(add, data)
        assert added.status_code in {200, 302, 403}, (model, added.status_code)
        if model not in REFERENCE:
            assert added.status_code == 403, model
            assert (
                client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
            )

    assert protected_state() == before
    # the walk did save the reference data it may edit (so the posts were real)
    assert {Insured, Policy, Incident, Plan, ExpenseSublimit} <= saved
    assert reference_state() != reference_before
    # money, clocks, users, groups and authorities were refused outright
    assert (set(PROTECTED) | {User, Group}) & set(admin.site._registry) <= refused
    world.refresh_from_db()
    assert world.status == Claim.Status.PAID
    assert ApprovalAuthority.objects.get(user=erin).limit == 200_000_000


def test_a_history_revert_post_is_refused_and_reverts_nothing(client, world, dave):
    """The admin group reverted a paid claim to 承認待ち and its payout to approved: the POST
    to the history form is refused on every model, for superusers too."""
    payout = Payout.objects.get(claim=world)
    old_claim = world.history.filter(status=Claim.Status.AWAITING_APPROVAL).earliest("history_date")
    old_payout = payout.history.filter(status=Payout.Status.APPROVED).earliest("history_date")
    root = User.objects.create_superuser("root", password="pw-root-123")  # noqa: S106
    records = StatusChange.objects.filter(claim=world).count()

    for user in (dave, root):
        client.force_login(user)
        for obj, old in ((world, old_claim), (payout, old_payout)):
            url = admin_url(type(obj), "simple_history", obj.pk, old.history_id)
            assert client.get(url).status_code == 200  # reading an old version is fine
            data = model_fields_changed(type(obj), dave) | {"status": old.status}
            assert client.post(url, data).status_code == 403

    world.refresh_from_db()
    payout.refresh_from_db()
    assert world.status == Claim.Status.PAID and payout.status == Payout.Status.PAID
    assert StatusChange.objects.filter(claim=world).count() == records
    # every history-enabled admin refuses the POST, not only these two
    for model in admin.site._registry:
        if not hasattr(model, "history"):
            continue
        record = model.history.order_by("history_id").first()
        if record is None:
            continue
        url = admin_url(model, "simple_history", record.instance.pk, record.history_id)
        assert client.post(url, {}).status_code == 403, model


def test_money_stays_read_only_for_superusers_too(client, world):
    root = User.objects.create_superuser("root", password="pw-root-123")  # noqa: S106
    client.force_login(root)
    payout = Payout.objects.get(claim=world)
    for obj in (world, payout, Recovery.objects.first(), Document.objects.first()):
        url = admin_url(type(obj), "change", obj.pk)
        assert client.get(url).status_code == 200  # visible
        data = model_fields_changed(type(obj), root)
        assert client.post(url, data).status_code == 403
    world.refresh_from_db()
    assert world.status == Claim.Status.PAID and world.handler.username == "alice"


def test_the_admin_group_cannot_raise_its_own_rights(client, dave, carol):
    client.force_login(dave)
    admin_group = Group.objects.get(name="admin")
    assert not admin_group.permissions.filter(content_type__app_label="auth").exists()
    assert not dave.has_perm("claims.change_approvalauthority")
    for url, data in (
        (admin_url(User, "change", dave.pk), {"username": "dave", "is_superuser": "on"}),
        (
            admin_url(Group, "change", admin_group.pk),
            {"name": "admin", "permissions": [p.pk for p in Permission.objects.all()]},
        ),  # fmt: skip
        (admin_url(ApprovalAuthority, "add"), {"user": dave.pk, "limit": 999_999_999}),
        (
            admin_url(ApprovalAuthority, "change", carol.approval_authority.pk),
            {"user": carol.pk, "limit": 999_999_999},
        ),  # fmt: skip
    ):
        assert client.post(url, data).status_code == 403, url
    dave.refresh_from_db()
    assert not dave.is_superuser and not ApprovalAuthority.objects.filter(user=dave).exists()
    assert carol.approval_authority.limit == 10_000_000
    # and still edits the reference data it is there for
    plan = Plan.objects.get(code="cyber_standard")
    assert client.get(admin_url(Plan, "change", plan.pk)).status_code == 200
