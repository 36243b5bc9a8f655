"""import_claims with hostile or broken files: all or nothing per file, every error with its
line and column, --dry-run finding the same, one import at a time."""

import datetime
import json
import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.utils import timezone

from claims.imports import importer
from claims.models import Claim, ClientDamage, Expense
from tests.claims.approvals import test_payouts_concurrency
from tests.claims.imports import test_import
from tests.claims.imports.test_import import HEADER, MK, run, write

policies = test_import.policies  # the fixtures, shared
on_postgres = test_payouts_concurrency.on_postgres


def damage_row(ref, client="甲社", claimed=1000, policy="IMP-1", noticed="2023-06-06"):
    return (
        f"{ref},{policy},{MK},{noticed},,damage,{client},business_interruption,"
        f"{claimed},{claimed},,,,,,\n"
    )


def errors_of(err):
    """The error lines of a run (not the progress bar, not the summary)."""
    return [line for line in err.splitlines() if "行目" in line and "件/秒" not in line]


def test_a_nul_in_row_1500_of_2500_imports_nothing_and_names_row_and_field(
    tmp_path, alice, policies
):
    rows = [HEADER]
    for n in range(1, 2501):
        rows.append(damage_row(f"N-{n}", client="甲\x00社" if n == 1500 else "甲社"))
    path = write(tmp_path, "nul.csv", "".join(rows))

    ok, dry_out, dry_err = run(path, "--dry-run")
    assert not ok
    ok, out, err = run(path)
    assert not ok
    assert not Claim.objects.exists() and not ClientDamage.objects.exists()
    # Data row 1,500 is line 1,501 of the file (line 1 is the header).
    assert errors_of(err) == [
        "1501行目 [N-1500] client_name: 制御文字・書字方向の制御文字 (U+0000) は使えません。"
    ]
    assert errors_of(dry_err) == errors_of(err)
    assert "エラーで除外 1 件" in out and "エラーで除外 1 件" in dry_out
    assert "新規 0 件" in out


def test_control_and_bidi_characters_are_refused_in_csv_and_json(
    tmp_path, alice, policies, mk_incident
):
    path = write(
        tmp_path,
        "ctl.csv",
        HEADER + damage_row("C-1", client="evil\u202etxt.exe") + damage_row("C-2\x07"),
    )
    ok, _, err = run(path)
    assert not ok and not Claim.objects.exists()
    assert "2行目 [C-1] client_name: 制御文字・書字方向の制御文字 (U+202E)" in err
    assert "3行目 [C-2] external_ref: 制御文字・書字方向の制御文字 (U+0007)" in err
    line = {
        "external_ref": "J-1",
        "policy_number": "IMP-1",
        "incident_id": mk_incident.pk,
        "noticed_on": "2023-06-06",
        "description": "二行の\n概要",  # line breaks are fine in free text
        "damages": [
            {"client_name": "乙\u2066社", "kind": "information_leak", "claimed": 1, "recognized": 1}
        ],
    }
    ok, _, err = run(write(tmp_path, "c.jsonl", json.dumps(line) + "\n"))
    assert not ok and not Claim.objects.exists()
    assert errors_of(err) == [
        "1行目 [J-1] damages[0].client_name: 制御文字・書字方向の制御文字 (U+2066) は使えません。"
    ]


def test_future_dates_and_premiums_the_forms_refuse_are_refused(tmp_path, alice, policies):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    path = write(
        tmp_path,
        "f.csv",
        "external_ref,policy_number,incident_provider,incident_date,noticed_on,item_type,"
        "employee,minutes,hourly_rate,premium,work_date\n"
        f"F-1,IMP-1,{MK},{tomorrow},,,,,,\n"
        f"F-2,IMP-2,{MK},2023-06-06,overtime,山田,60,2000,1000,{tomorrow}\n"
        f"F-3,IMP-3,{MK},2023-06-06,overtime,山田,100001,2000,1.25,\n",
    )
    ok, _, err = run(path)
    assert not ok and not Claim.objects.exists()
    assert "2行目 [F-1] noticed_on: 未来の日付は指定できません。" in err
    assert "3行目 [F-2] premium:" in err and "割増率は 1000 未満で入力してください。" in err
    assert "3行目 [F-2] work_date: 未来の日付は指定できません。" in err
    assert "4行目 [F-3] minutes:" in err


def test_an_exact_duplicate_row_is_refused_not_added_twice(tmp_path, alice, policies):
    expense = "D-1,,,,,,expense,,,,,call_center,500000,,,,\n"
    path = write(tmp_path, "d.csv", HEADER + damage_row("D-1") + expense + expense + expense)
    ok, _, err = run(path)
    assert not ok and not Claim.objects.exists() and not Expense.objects.exists()
    assert "4行目 [D-1] 3行目と同じ内容の行です" in err
    assert "5行目 [D-1] 3行目と同じ内容の行です" in err


def test_extra_columns_in_a_row_are_refused_not_dropped(tmp_path, alice, policies):
    path = write(tmp_path, "x.csv", HEADER + damage_row("X-1").rstrip("\n") + ",9999999,oops\n")
    ok, _, err = run(path)
    assert not ok and not Claim.objects.exists()
    assert "2行目 [X-1] 列が多すぎます (見出しは 17 列、この行は 19 列)。" in err


def test_huge_fields_name_their_line(tmp_path, alice, policies):
    path = write(tmp_path, "h.csv", HEADER + damage_row("H-1", client="甲" * 201))
    ok, _, err = run(path)
    assert not ok and "2行目 [H-1] client_name:" in err and "200" in err
    huge = HEADER + damage_row("H-1") + damage_row("H-2", client='"' + "x" * 200_000 + '"')
    ok, _, err = run(write(tmp_path, "huge.csv", huge))
    assert not ok and "3行目: CSV として読めません (1つの欄が長すぎます" in err
    assert not Claim.objects.exists()


def test_deep_or_nested_json_is_refused_with_its_line(tmp_path, alice, policies, mk_incident):
    good = {
        "external_ref": "J-1",
        "policy_number": "IMP-1",
        "incident_id": mk_incident.pk,
        "noticed_on": "2023-06-06",
    }
    nested = dict(good, external_ref="J-2", description={"a": [1]})
    deep = '{"external_ref": "J-3", "damages": ' + "[" * 100_000 + "]" * 100_000 + "}"
    text = "\n".join([json.dumps(good), json.dumps(nested), deep]) + "\n"
    ok, _, err = run(write(tmp_path, "deep.jsonl", text))
    assert not ok and not Claim.objects.exists()
    assert "2行目 [J-2] description: 文字列・数値・真偽値で指定してください。" in err
    assert "3行目" in err and "入れ子が深すぎます" in err
    assert "Traceback" not in err


def test_an_encoding_error_names_its_line(tmp_path, alice, policies):
    path = tmp_path / "sjis.csv"
    path.write_bytes(
        (HEADER + damage_row("E-1")).encode() + damage_row("E-2", "乙社").encode("cp932")
    )
    ok, _, err = run(path)
    assert not ok and "3行目" in err and "UTF-8 として読めません" in err
    assert not Claim.objects.exists()


def test_dry_run_reports_what_a_real_run_reports(tmp_path, alice, policies):
    path = write(
        tmp_path,
        "mix.csv",
        HEADER
        + damage_row("M-1")
        + damage_row("M-2", claimed="12.5")
        + damage_row("M-3", noticed="2999-01-01")
        + damage_row("M-3"),
    )
    _, _, dry = run(path, "--dry-run")
    _, _, real = run(path)
    assert errors_of(dry) == errors_of(real) and len(errors_of(real)) >= 3
    assert not Claim.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_imports_of_one_file_import_it_once(on_postgres, tmp_path):
    from tests.conftest import make_policy, make_user

    alice = make_user("alice", "handler")
    policy = make_policy()
    rows = [HEADER] + [damage_row(f"P-{n}", policy=policy.number) for n in range(300)]
    path = write(tmp_path, "p.csv", "".join(rows))
    records = importer.read_records(path)
    barrier = threading.Barrier(2)
    results, failures, waited = [], [], []

    def worker():
        try:
            barrier.wait()
            user = User.objects.get(pk=alice.pk)
            results.append(
                importer.import_records(
                    importer.read_records(path), by=user, waiting=lambda: waited.append(1)
                )
            )
        except Exception as exc:  # noqa: BLE001
            failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted((r.created, r.existing) for r in results) == [(0, 300), (300, 0)]
    assert waited == [1]  # the second one was told it waits for the first
    assert Claim.objects.count() == 300 == len(records)
    assert connection.vendor == "postgresql"
    assert ClientDamage.objects.count() == 300  # each claim's one damage, once
