"""The checklist per stage follows the claim's items; overtime evidence documents move the
engine's decision from pending to covered; the payment clock starts when all is in."""

import datetime

import pytest
from django.utils import timezone

from claims.models import Claim, PaymentExtension
from claims.services import ClaimError
from coverage import vocab
from coverage.adapters import claim_assessment
from documents import services
from documents.checklist import STAGE_CLAIM, STAGE_SUBSTANTIATION, claim_checklist
from tests.conftest import make_claim
from tests.documents.doc_helpers import add_damage, add_expense, add_overtime, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def claim(alice):
    return make_claim(created_by=alice, handler=alice)


def upload(claim, by, kind, *, damage=None, entries=(), name="a.pdf"):
    return services.document_upload(
        claim=claim, by=by, files=[pdf(name)], kind=kind, damage=damage, overtime_entries=entries
    )


def keys(cl, stage):
    return [i.key for i in cl.stage(stage).items]


def missing(cl):
    return {i.key for i in cl.missing}


def test_a_claim_without_items_needs_the_accident_report_only(claim):
    cl = claim_checklist(claim)
    assert keys(cl, STAGE_SUBSTANTIATION) == ["accident_report"]
    assert keys(cl, STAGE_CLAIM) == []
    assert not cl.complete


def test_each_client_with_a_damage_needs_its_claim_breakdown_and_contract(claim):
    add_damage(claim, client="株式会社A")
    add_damage(claim, client="株式会社A", description="再計算費用")
    add_damage(claim, client="株式会社B")
    cl = claim_checklist(claim)
    assert keys(cl, STAGE_SUBSTANTIATION) == [
        "accident_report",
        "damage_claim:client:株式会社A",
        "service_contract:client:株式会社A",
        "damage_claim:client:株式会社B",
        "service_contract:client:株式会社B",
    ]
    # damages but no expenses: no cost statement; settlement is needed
    assert keys(cl, STAGE_CLAIM) == ["claim_form", "settlement_agreement", "payment_record"]
    assert cl.stage(STAGE_SUBSTANTIATION).items[1].target == "顧問先 株式会社A"


def test_a_document_counts_for_the_client_of_the_damage_it_is_linked_to(claim, alice):
    a = add_damage(claim, client="株式会社A")
    add_damage(claim, client="株式会社B")
    upload(claim, alice, "service_contract", damage=a)
    upload(claim, alice, "damage_claim")  # unlinked: two clients, so it proves nothing

    cl = claim_checklist(claim)
    assert "service_contract:client:株式会社A" not in missing(cl)
    assert "service_contract:client:株式会社B" in missing(cl)
    assert {"damage_claim:client:株式会社A", "damage_claim:client:株式会社B"} <= missing(cl)
    assert [d.original_name for d in cl.unmatched] == ["a.pdf"]
    upload(claim, alice, "other", name="メモ.pdf")  # "other" is never a checklist gap
    assert [d.original_name for d in claim_checklist(claim).unmatched] == ["a.pdf"]


def test_with_a_single_client_an_unlinked_document_matches_it(claim, alice):
    add_damage(claim, client="株式会社A")
    upload(claim, alice, "damage_claim")
    assert "damage_claim:client:株式会社A" not in missing(claim_checklist(claim))


def test_expenses_or_overtime_need_the_cost_statement_and_no_settlement(claim, alice):
    add_expense(claim)
    cl = claim_checklist(claim)
    assert "cost_statement" in keys(cl, STAGE_SUBSTANTIATION)
    assert keys(cl, STAGE_CLAIM) == ["claim_form", "payment_record"]

    other = make_claim(created_by=alice, handler=alice)
    add_overtime(other)
    assert "cost_statement" in keys(claim_checklist(other), STAGE_SUBSTANTIATION)


def test_each_overtime_entry_needs_the_three_evidence_kinds(claim):
    ot = add_overtime(claim, evidence=[vocab.EVIDENCE_WAGE_BASIS])
    cl = claim_checklist(claim)
    evidence = [i for i in cl.items if i.key.endswith(f":o{ot.pk}")]
    assert [i.kind for i in evidence] == list(vocab.EVIDENCE_KINDS)
    assert [i.satisfied for i in evidence] == [False, True, False]  # ticked by the handler
    assert evidence[0].target == "超過勤務 山田花子 2023/06/06・150分"


def test_uploading_the_three_evidence_documents_moves_overtime_from_pending_to_covered(
    claim, alice
):
    ot = add_overtime(claim)
    other = add_overtime(claim, employee="佐藤次郎")
    claim = services.claim_refresh_totals(claim=claim)
    assert claim_assessment(claim).decision("overtime", ot.pk).decision == "pending"
    assert claim.total_payable == 0 and claim.pending_items == 2

    upload(claim, alice, "attendance_record", entries=[ot])
    upload(claim, alice, "wage_basis", entries=[ot])
    mid = claim_assessment(claim).decision("overtime", ot.pk)
    assert mid.decision == "pending"
    assert list(mid.missing) == [vocab.EVIDENCE_TASK_RECORD]

    upload(claim, alice, "task_record", entries=[ot])
    assert claim_assessment(claim).decision("overtime", ot.pk).decision == "covered"
    assert claim_assessment(claim).decision("overtime", other.pk).decision == "pending"
    claim.refresh_from_db()
    assert claim.total_payable == 6563  # 150 min x 2,100 yen x 1.25 / 60 = 6,562.5, half up
    assert claim.pending_items == 1


def test_unlinked_or_deleted_evidence_does_not_count(claim, alice):
    ot = add_overtime(claim)
    for kind in vocab.EVIDENCE_KINDS:
        upload(claim, alice, kind)  # not linked to the entry
    assert claim_assessment(claim).decision("overtime", ot.pk).decision == "pending"

    docs = [upload(claim, alice, kind, entries=[ot])[0] for kind in vocab.EVIDENCE_KINDS]
    assert claim_assessment(claim).decision("overtime", ot.pk).decision == "covered"
    services.document_delete(document=docs[0], by=alice, reason="別人の勤怠記録だった")
    assert claim_assessment(claim).decision("overtime", ot.pk).decision == "pending"
    claim.refresh_from_db()
    assert claim.total_payable == 0


def test_one_file_for_all_overtime_entries(claim, alice):
    a, b = add_overtime(claim), add_overtime(claim, employee="佐藤次郎")
    docs = upload(claim, alice, "wage_basis", entries=[a, b], name="賃金台帳.pdf")
    assert {d.overtime_entry_id for d in docs} == {a.pk, b.pk}
    assert docs[0].file.name == docs[1].file.name  # stored once
    assert not {f"wage_basis:o{a.pk}", f"wage_basis:o{b.pk}"} & missing(claim_checklist(claim))


def test_links_are_checked(claim, alice, bob):
    a = add_damage(claim)
    ot = add_overtime(claim)
    with pytest.raises(ClaimError, match="超過勤務に紐付けられません"):
        upload(claim, alice, "damage_claim", entries=[ot])
    with pytest.raises(ClaimError, match="顧問先の損害に紐付けられません"):
        upload(claim, alice, "wage_basis", damage=a)
    elsewhere = add_overtime(make_claim(created_by=bob, handler=bob))
    with pytest.raises(ClaimError):
        upload(claim, alice, "wage_basis", entries=[elsewhere])
    assert not claim.documents.exists()


def complete_everything(claim, alice, damage, ot):
    upload(claim, alice, "accident_report")
    upload(claim, alice, "damage_claim", damage=damage)
    upload(claim, alice, "service_contract", damage=damage)
    upload(claim, alice, "cost_statement")
    for kind in vocab.EVIDENCE_KINDS:
        upload(claim, alice, kind, entries=[ot])
    upload(claim, alice, "claim_form")
    upload(claim, alice, "settlement_agreement")
    return upload(claim, alice, "payment_record")[0]


def test_the_payment_clock_starts_when_the_checklist_turns_complete(claim, alice):
    damage, ot = add_damage(claim), add_overtime(claim)
    add_expense(claim)
    last = complete_everything(claim, alice, damage, ot)

    claim.refresh_from_db()
    today = timezone.localdate()
    assert claim_checklist(claim).complete
    assert claim.documents_complete_on == today
    assert claim.payment_due_on == today + datetime.timedelta(days=30)

    # a wrong file deleted: the checklist is incomplete again, but a started clock is
    # never reset (deleting and uploading again would otherwise buy 30 fresh days)
    services.document_delete(document=last, by=alice, reason="別の事故の支払明細")
    claim.refresh_from_db()
    assert not claim_checklist(claim).complete
    assert claim.documents_complete_on == today
    assert claim.payment_due_on == today + datetime.timedelta(days=30)


def test_an_extension_keeps_its_due_date(claim, alice):
    damage, ot = add_damage(claim), add_overtime(claim)
    extended = datetime.date(2030, 1, 31)
    Claim.objects.filter(pk=claim.pk).update(payment_due_on=extended)
    PaymentExtension.objects.create(claim=claim, new_due_on=extended, reason="調査", by=alice)
    claim.refresh_from_db()
    last = complete_everything(claim, alice, damage, ot)
    claim.refresh_from_db()
    assert claim.documents_complete_on == timezone.localdate()
    assert claim.payment_due_on == extended
    services.document_delete(document=last, by=alice, reason="誤り")
    claim.refresh_from_db()
    assert claim.payment_due_on == extended


def test_soft_delete_keeps_the_row_the_file_and_the_history(claim, alice, bob):
    doc = upload(claim, alice, "accident_report")[0]
    with pytest.raises(ClaimError, match="削除理由"):
        services.document_delete(document=doc, by=alice, reason="  ")
    with pytest.raises(ClaimError, match="権限"):
        services.document_delete(document=doc, by=bob, reason="x")

    services.document_delete(document=doc, by=alice, reason="重複して登録")
    doc.refresh_from_db()
    assert doc.deleted_at is not None and doc.deleted_by == alice
    assert doc.delete_reason == "重複して登録"
    assert doc.file.storage.exists(doc.file.name)
    last = doc.history.latest()
    assert last.history_change_reason == "deleted: 重複して登録"
    assert last.history_user_id == alice.pk
    assert doc.history.earliest().history_user_id == alice.pk  # the upload
    assert not claim_checklist(claim).items[0].satisfied
    with pytest.raises(ClaimError, match="すでに削除"):
        services.document_delete(document=doc, by=alice, reason="again")


def test_reopening_a_paid_claim_restarts_its_payment_clock_for_the_new_request(claim, alice):
    from claims.services import claim_reopen, item_create

    damage, ot = add_damage(claim), add_overtime(claim)
    add_expense(claim)
    complete_everything(claim, alice, damage, ot)
    # paid long ago, after an extension
    Claim.objects.filter(pk=claim.pk).update(
        status=Claim.Status.PAID,
        documents_complete_on=datetime.date(2023, 7, 1),
        payment_due_on=datetime.date(2023, 8, 31),
    )
    PaymentExtension.objects.create(
        claim=claim, new_due_on=datetime.date(2023, 8, 31), reason="調査", by=alice
    )
    claim.refresh_from_db()
    claim_reopen(claim=claim, by=alice, reason="顧問先から追加請求")
    claim.refresh_from_db()
    today = timezone.localdate()
    assert claim.status == Claim.Status.UNDER_ASSESSMENT
    assert claim.documents_complete_on == today  # nothing missing: the new clock starts now
    assert claim.payment_due_on == today + datetime.timedelta(days=30)
    # a damage from a new client needs its own documents: the clock waits for them
    item_create(
        claim=claim,
        section="damages",
        by=alice,
        data={
            "client_name": "株式会社新規",
            "kind": vocab.KIND_BUSINESS_INTERRUPTION,
            "claimed": 100_000,
            "recognized": 100_000,
        },
    )
    claim.refresh_from_db()
    # the new clock, once started, runs on: a new item never resets it
    assert claim.documents_complete_on == today
    assert claim.payment_due_on == today + datetime.timedelta(days=30)
