"""manage.py import_claims: row-numbered errors, no half claims, idempotent re-runs."""

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim, ClientDamage, Expense, OvertimeEntry, StatusChange
from claims.services import claim_refresh_totals
from tests.conftest import make_policy

DOCS = Path(__file__).resolve().parents[3] / "docs"
HEADER = (
    "external_ref,policy_number,incident_provider,incident_date,noticed_on,handler,"
    "item_type,client_name,kind,claimed,recognized,category,amount,employee,minutes,"
    "hourly_rate,evidence\n"
)
MK = "株式会社エムケイシステム,2023-06-05"


def run(path, *args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_claims", str(path), "--by", "alice", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return False, out.getvalue(), err.getvalue() + str(exc)
    return True, out.getvalue(), err.getvalue()


@pytest.fixture
def policies(db):
    made = []
    for n in ("IMP-1", "IMP-2", "IMP-3"):
        policy = make_policy()
        policy.number = n
        policy.save(update_fields=["number"])
        made.append(policy)
    return made


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_import_creates_reported_claims_with_items_and_engine_totals(
    tmp_path, alice, bob, policies, mk_incident
):
    path = write(
        tmp_path,
        "ok.csv",
        HEADER.replace("evidence\n", "evidence,cut_reason\n")  # a cut needs its reason
        + f"R-1,IMP-1,{MK},2023-06-06,bob,damage,甲社,business_interruption,350000,300000,,,,,,,重複請求分\n"
        + "R-1,,,,,,expense,,,,,customer_notification,48000,,,,\n"
        + "R-1,,,,,,overtime,,,,,,,山本,180,2400,attendance_record;wage_basis\n"
        + f"R-2,IMP-2,{MK},2023-06-07,,,,,,,,,,,,\n",
    )
    ok, out, err = run(path)
    assert ok, err
    assert "新規 2 件" in out
    claim = Claim.objects.get(external_ref="R-1")
    assert claim.status == Claim.Status.REPORTED
    assert claim.number.startswith("C") and claim.reported_at is not None
    assert claim.handler == bob and claim.created_by == alice
    assert claim.incident == mk_incident and claim.policy.number == "IMP-1"
    assert claim.damages.get().recognized == 300000
    assert claim.expenses.get().amount == 48000
    overtime = claim.overtime_entries.get()
    assert overtime.evidence == ["attendance_record", "wage_basis"]
    # The stored queue columns are exactly what the service computes from the saved rows.
    stored = (claim.total_claimed, claim.total_payable, claim.pending_items)
    assert stored[1] > 0 and stored[2] == 1  # overtime lacks one evidence kind: pending
    claim_refresh_totals(claim=claim)
    assert (claim.total_claimed, claim.total_payable, claim.pending_items) == stored
    assert StatusChange.objects.filter(claim=claim, to_status="reported").count() == 1
    assert claim.history.count() == 1
    assert Claim.objects.get(external_ref="R-2").damages.count() == 0


def test_rerunning_the_same_file_creates_nothing_new(tmp_path, alice, policies):
    path = write(
        tmp_path,
        "ok.csv",
        HEADER + f"R-1,IMP-1,{MK},2023-06-06,,damage,甲社,business_interruption,1000,1000,,,,,,\n",
    )
    assert run(path)[0]
    ok, out, _ = run(path)
    assert ok
    assert "新規 0 件" in out and "省略 1 件" in out
    assert Claim.objects.filter(external_ref="R-1").count() == 1
    assert ClientDamage.objects.count() == 1


def test_skip_invalid_names_the_row_and_column_and_skips_the_whole_claim(tmp_path, alice, policies):
    path = write(
        tmp_path,
        "bad.csv",
        HEADER
        + f"GOOD,IMP-1,{MK},2023-06-06,,expense,,,,,call_center,5000,,,,\n"
        # row 3 is fine, row 4 of the same claim is not: the claim must not half-import
        + f"HALF,IMP-2,{MK},2023-06-06,,damage,甲社,business_interruption,1000,1000,,,,,,\n"
        + "HALF,,,,,,expense,,,,,call_center,12.5,,,,\n"
        + f"BAD,NOPE,{MK},2023/06/06,,damage,乙社,bogus,2000,3000,,,,,,\n"
        + f"BIG,IMP-3,{MK},2023-06-06,,overtime,,,,,,,山田,60,1000000000001,foo\n",
    )
    ok, out, err = run(path, "--skip-invalid")
    assert not ok
    assert "新規 1 件" in out and "エラーで除外 3 件" in out
    assert "4行目 [HALF] amount:" in err
    assert "5行目 [BAD] policy_number:" in err
    assert "5行目 [BAD] noticed_on:" in err
    assert "5行目 [BAD] kind:" in err
    assert "5行目 [BAD] recognized: 認定額は請求額以下" in err
    assert "6行目 [BIG] hourly_rate:" in err and "6行目 [BIG] evidence:" in err
    assert list(Claim.objects.values_list("external_ref", flat=True)) == ["GOOD"]
    assert ClientDamage.objects.count() == 0  # HALF's valid damage row was not imported
    assert Expense.objects.count() == 1


def test_one_error_imports_nothing_by_default(tmp_path, alice, policies):
    path = write(
        tmp_path,
        "bad.csv",
        HEADER
        + f"GOOD,IMP-1,{MK},2023-06-06,,expense,,,,,call_center,5000,,,,\n"
        + f"BAD,IMP-2,{MK},2023-06-06,,expense,,,,,call_center,-1,,,,\n",
    )
    ok, out, err = run(path)
    assert not ok and "1件も取り込みませんでした" in err and "3行目 [BAD] amount:" in err
    assert "新規 0 件" in out
    assert not Claim.objects.exists()
    ok, _, err = run(path, "--atomic")  # the old flag still means the same
    assert not ok and not Claim.objects.exists()


def test_dry_run_validates_and_writes_nothing(tmp_path, alice, policies):
    path = write(tmp_path, "ok.csv", HEADER + f"R-1,IMP-1,{MK},2023-06-06,,,,,,,,,,,,\n")
    ok, out, _ = run(path, "--dry-run")
    assert ok and "検証のみ" in out
    assert not Claim.objects.exists()


def test_unknown_column_and_extension_are_refused_before_reading_rows(tmp_path, alice):
    ok, _, err = run(write(tmp_path, "x.csv", "external_ref,claimd\nA,1\n"))
    assert not ok and "不明な列" in err and "claimd" in err
    ok, _, err = run(write(tmp_path, "x.xlsx", "whatever"))
    assert not ok and ".csv または .jsonl" in err


def test_jsonl_import_and_its_errors_name_line_and_item(tmp_path, alice, policies, mk_incident):
    good = {
        "external_ref": "J-1",
        "policy_number": "IMP-1",
        "incident_id": mk_incident.pk,
        "noticed_on": "2023-06-06",
        "damages": [
            {"client_name": "甲社", "kind": "information_leak", "claimed": 9, "recognized": 9}
        ],
        "overtime": [{"employee": "山田", "minutes": 60, "hourly_rate": 2000, "premium": "1.5"}],
    }
    bad = {
        "external_ref": "J-2",
        "policy_number": "IMP-2",
        "incident_id": mk_incident.pk,
        "noticed_on": "2023-06-06",
        "damages": [{"client_name": "乙社", "kind": "information_leak", "claimed": 1.5}],
    }
    lines = [json.dumps(good, ensure_ascii=False), json.dumps(bad), "{not json", json.dumps(good)]
    ok, _, err = run(write(tmp_path, "c.jsonl", "\n".join(lines) + "\n"), "--skip-invalid")
    assert not ok
    assert "2行目 [J-2] damages[0].claimed:" in err
    assert "2行目 [J-2] damages[0].recognized: 必須です" in err
    assert "3行目" in err and "JSON" in err
    assert "4行目 [J-1] external_ref: 1行目と重複" in err
    claim = Claim.objects.get()
    assert claim.external_ref == "J-1"
    assert OvertimeEntry.objects.get(claim=claim).premium == Decimal("1.5")


def test_handler_must_be_a_desk_user(tmp_path, alice, dave, policies):
    path = write(
        tmp_path,
        "h.csv",
        HEADER
        + f"R-1,IMP-1,{MK},2023-06-06,nobody,,,,,,,,,,,\n"
        + f"R-2,IMP-2,{MK},2023-06-06,dave,,,,,,,,,,,\n",
    )
    ok, _, err = run(path)
    assert not ok
    assert "2行目 [R-1] handler:" in err and "3行目 [R-2] handler:" in err
    assert not Claim.objects.exists()


def test_the_documented_example_files_import(alice, bob, db):
    call_command("seed_demo", "--password", "pw-Example-123", stdout=StringIO())
    before = Claim.objects.count()
    for name in ("import-example.csv", "import-example.jsonl"):
        ok, _, err = run(DOCS / name)
        assert ok, err
    assert Claim.objects.count() == before + 4


def test_a_thousand_claims_import_in_batches_with_distinct_numbers(tmp_path, alice, policies):
    rows = [HEADER]
    for n in range(1000):
        rows.append(
            f"K-{n},IMP-{n % 3 + 1},{MK},2023-06-06,,damage,甲社,business_interruption,{n},{n},,,,,,\n"
        )
        rows.append(f"K-{n},,,,,,expense,,,,,call_center,{n * 10},,,,\n")
    ok, out, err = run(write(tmp_path, "k.csv", "".join(rows)), "--batch-size", "300")
    assert ok, err
    assert "新規 1000 件" in out
    assert "1000/1000" in err  # the progress bar reached the end
    assert Claim.objects.values("number").distinct().count() == 1000
    assert ClientDamage.objects.count() == 1000 and Expense.objects.count() == 1000
    claim = Claim.objects.get(external_ref="K-999")
    assert claim.total_claimed == 999 + 9990


def test_a_batch_reads_each_policys_usage_once_not_once_a_row(tmp_path, alice, policies):
    """What a policy has used of its limits is the same for every row of a batch (nothing is
    written before the batch is prepared): 300 rows on 3 policies read the payouts 3 times."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = [HEADER] + [
        f"U-{n},IMP-{n % 3 + 1},{MK},2023-06-06,,damage,甲社,business_interruption,{n},{n},,,,,,\n"
        for n in range(300)
    ]
    with CaptureQueriesContext(connection) as queries:
        ok, out, err = run(write(tmp_path, "u.csv", "".join(rows)), "--batch-size", "300")
    assert ok, err
    assert "新規 300 件" in out
    usage_reads = [q for q in queries.captured_queries if 'FROM "claims_payout"' in q["sql"]]
    assert len(usage_reads) == 3


def test_imported_items_have_a_creation_history_row_so_a_later_edit_shows_the_old_figure(
    tmp_path, alice, bob, policies
):
    from claims.claim_page import timeline as audit
    from claims.imports.importer import IMPORT_REASON

    path = write(
        tmp_path,
        "hist.csv",
        HEADER.replace("evidence\n", "evidence,cut_reason\n")
        + f"H-1,IMP-1,{MK},2023-06-06,bob,damage,甲社,business_interruption,350000,300000,,,,,,,重複請求分\n"
        + "H-1,,,,,,expense,,,,,customer_notification,48000,,,,\n",
    )
    ok, _, err = run(path)
    assert ok, err
    claim = Claim.objects.get(external_ref="H-1")
    for model, item in ((ClientDamage, claim.damages.get()), (Expense, claim.expenses.get())):
        (row,) = model.history.filter(id=item.pk)
        assert (row.history_type, row.history_user, row.history_change_reason) == (
            "+",
            alice,
            IMPORT_REASON,
        )
    damage = claim.damages.get()
    damage.recognized = 250_000
    damage._history_user = bob
    damage.save()
    edits = [e for e in audit.claim_timeline(claim) if e.user.endswith("(bob)")]
    assert len(edits) == 1
    assert any("300,000" in str(c.old) and "250,000" in str(c.new) for c in edits[0].changes)
