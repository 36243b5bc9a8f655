"""`manage.py assess FILE|-`: stdout, stderr and exit status, with plan limits from the database."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connections

from coverage import vocab
from coverage.management.commands.assess import Command
from coverage.models import ExpenseSublimit, Plan

ROOT = Path(__file__).resolve().parents[2]


def facts(**changes) -> dict:
    data = {
        "plan": "cyber_standard",
        "incident_leak_or_threat": True,
        "damages": [{"id": "損害1", "kind": "business_interruption", "claimed": 9_000_000}],
        "expenses": [{"id": "e1", "category": "call_center", "amount": 2_000_000}],
        "overtime": [
            {"id": "o1", "minutes": 24, "hourly_rate": 1_001, "evidence": ["attendance_record"]}
        ],
    }
    data.update(changes)
    return data


def write(tmp_path, content) -> str:
    path = tmp_path / "facts.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def assess_json(tmp_path, data) -> dict:
    out = io.StringIO()
    call_command("assess", write(tmp_path, json.dumps(data, ensure_ascii=False)), stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def run(monkeypatch, capsys):
    """Run the command as manage.py does (run_from_argv): returns (exit code, stdout, stderr)."""
    # run_from_argv closes every connection when done; keep the test's transaction open.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run_assess(argument: str, stdin_bytes: bytes | None = None):
        if stdin_bytes is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin_bytes)))
        code = 0
        try:
            Command().run_from_argv(["manage.py", "assess", argument])
        except SystemExit as exit_:
            code = exit_.code
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run_assess


# --- success ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_prints_the_assessment_as_json_with_japanese_unescaped(run, tmp_path):
    code, out, err = run(write(tmp_path, json.dumps(facts())))

    assert (code, err) == (0, "")
    assert '"損害1"' in out
    result = json.loads(out)
    assert [i["decision"] for i in result["items"]] == ["covered", "covered", "pending"]
    assert result["total_payable"] == 11_000_000


@pytest.mark.django_db
def test_reads_standard_input_when_given_a_dash(run):
    code, out, err = run("-", json.dumps(facts()).encode("utf-8"))
    assert (code, err) == (0, "")
    assert json.loads(out)["plan"] == "cyber_standard"


@pytest.mark.django_db
def test_a_byte_order_mark_is_tolerated(run, tmp_path):
    code, out, _ = run(write(tmp_path, b"\xef\xbb\xbf" + json.dumps(facts()).encode()))
    assert code == 0
    assert json.loads(out)["total_payable"] == 11_000_000


@pytest.mark.django_db
def test_limits_come_from_the_plan_in_the_database(tmp_path):
    result = assess_json(tmp_path, facts(plan="leak_only_5m"))

    assert result["liability"] == {"covered": 0, "limit": 5_000_000, "payable": 0}
    assert result["items"][0]["reasons"] == ["PLAN_SCOPE"]
    assert result["expenses"]["limit"] == 5_000_000


@pytest.mark.django_db
def test_an_admin_edited_plan_limit_is_used(tmp_path):
    Plan.objects.filter(code="cyber_standard").update(liability_limit=4_000_000)
    ExpenseSublimit.objects.create(
        plan=Plan.objects.get(code="cyber_standard"), category="call_center", limit=1_500_000
    )

    result = assess_json(tmp_path, facts())

    assert result["liability"] == {"covered": 9_000_000, "limit": 4_000_000, "payable": 4_000_000}
    assert result["expenses"]["payable"] == 1_500_000
    assert result["total_payable"] == 5_500_000


@pytest.mark.django_db
def test_input_limits_override_the_plan(tmp_path):
    result = assess_json(tmp_path, facts(limits={"expenses": 1_000_000}))

    assert result["liability"]["limit"] == 100_000_000
    assert result["expenses"] == {"covered": 2_000_000, "limit": 1_000_000, "payable": 1_000_000}


@pytest.mark.django_db
def test_input_sublimit_overrides_the_plans(tmp_path):
    ExpenseSublimit.objects.create(
        plan=Plan.objects.get(code="cyber_standard"), category="call_center", limit=100
    )
    result = assess_json(tmp_path, facts(sublimits={"call_center": 1_200_000}))
    assert result["expenses"]["payable"] == 1_200_000


# --- bad input: one line on stderr naming the field, nothing on stdout, exit 2 -----------


BAD_INPUTS = [
    ("not json", ""),
    ("[]", ""),
    (json.dumps(facts(plan="platinum")), "plan"),
    (json.dumps({"plan": "cyber_standard"}), "incident_leak_or_threat"),
    (json.dumps(facts(damages=[{"id": "d", "kind": "x", "claimed": 1}])), "damages[0].kind"),
    (
        json.dumps(facts(damages=[{"id": "d", "kind": "information_leak", "claimed": 1.0}])),
        "damages[0].claimed",
    ),
    (
        json.dumps(
            facts(damages=[{"id": "d", "kind": "information_leak", "claimed": 1, "recognized": 2}])
        ),
        "damages[0].recognized",
    ),
    (json.dumps(facts(expenses=[{"id": "o1", "category": "call_center", "amount": 1}])), None),
    (json.dumps(facts(sublimits={"phone": 1})), "sublimits.phone"),
    (json.dumps(facts(limits={"liability": -1})), "limits.liability"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "path"), BAD_INPUTS)
def test_bad_input_exits_2_with_one_line_naming_the_field(run, tmp_path, text, path):
    code, out, err = run(write(tmp_path, text))

    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    if path:
        assert f"at {path}:" in err


@pytest.mark.django_db
def test_a_repeated_id_is_named_at_its_later_place(run, tmp_path):
    data = facts(expenses=[{"id": "損害1", "category": "call_center", "amount": 1}])
    _, _, err = run(write(tmp_path, json.dumps(data, ensure_ascii=False)))
    assert "at expenses[0].id:" in err


def test_a_file_that_cannot_be_read_is_one_line(run, tmp_path):
    code, out, err = run(str(tmp_path / "missing.json"))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "missing.json" in err


def test_a_directory_is_not_a_file(run, tmp_path):
    code, out, err = run(str(tmp_path))
    assert (code, out, err.count("\n")) == (2, "", 1)


def test_invalid_utf8_is_one_line(run, tmp_path):
    code, out, err = run(write(tmp_path, b'{"plan": "\xff"}'))
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "UTF-8" in err


@pytest.mark.django_db
def test_a_database_error_while_reading_plans_is_one_line_not_a_traceback(
    run, tmp_path, monkeypatch
):
    def no_table(code):
        raise OperationalError("no such table: coverage_plan")

    monkeypatch.setattr("coverage.management.commands.assess.plan_terms_by_code", no_table)
    code, out, err = run(write(tmp_path, json.dumps(facts())))

    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "cannot read plans from the database (no such table: coverage_plan)" in err


def test_call_command_raises_command_error_with_the_path(tmp_path):
    with pytest.raises(CommandError, match=r"at plan:") as caught:
        call_command("assess", "-", stdin=io.StringIO(json.dumps(facts(plan=1))))
    assert caught.value.returncode == 2


@pytest.mark.django_db
def test_the_built_in_plan_defaults_are_what_migrating_writes():
    """The fallback for a never-migrated database must not drift from migration 0002."""
    migrated = {
        plan.code: (plan.liability_limit, plan.expense_limit, plan.leak_only)
        for plan in Plan.objects.all()
    }
    assert migrated == vocab.DEFAULT_PLANS
    assert not ExpenseSublimit.objects.exists()


# --- the real process ---------------------------------------------------------------------


def manage_assess(
    argument: str, stdin: bytes = b"", database_url: str | None = None
) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "claimsdesk.settings"}
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "manage.py", "assess", argument],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("stdin", [b"{not json", b"\xff\xfe\x00", b"[1, 2]"])
def test_the_process_prints_one_line_and_no_traceback(stdin):
    """Input refused before any plan lookup, so the process needs no migrated database."""
    proc = manage_assess("-", stdin)

    assert proc.returncode == 2
    assert proc.stdout == b""
    assert proc.stderr.count(b"\n") == 1
    assert b"Traceback" not in proc.stderr


def test_a_never_migrated_database_gets_the_q6_default_limits(tmp_path):
    """A fresh checkout answers before `migrate`: the plans are the ones migrating would write."""
    database = f"sqlite:///{tmp_path}/never-migrated.sqlite3"
    small = facts(plan="leak_only_5m", damages=[], overtime=[])
    small["expenses"] = [{"id": "e1", "category": "call_center", "amount": 7_000_000}]

    proc = manage_assess("-", json.dumps(small).encode(), database_url=database)

    assert (proc.returncode, proc.stderr) == (0, b"")
    result = json.loads(proc.stdout)
    assert result["expenses"]["limit"] == 5_000_000
    assert result["total_payable"] == 5_000_000


def test_a_never_migrated_database_still_refuses_an_unknown_plan(tmp_path):
    database = f"sqlite:///{tmp_path}/never-migrated.sqlite3"
    proc = manage_assess("-", json.dumps(facts(plan="gold")).encode(), database_url=database)

    assert (proc.returncode, proc.stdout, proc.stderr.count(b"\n")) == (2, b"", 1)
    assert b"plan" in proc.stderr


def test_a_database_that_cannot_be_reached_is_an_error_not_the_defaults():
    """Admins may have edited the limits in that database: guessing them would be wrong."""
    proc = manage_assess(
        "-", json.dumps(facts()).encode(), database_url="postgres://claimsdesk@127.0.0.1:1/none"
    )

    assert (proc.returncode, proc.stdout, proc.stderr.count(b"\n")) == (2, b"", 1)
    assert b"cannot read plans" in proc.stderr
    assert b"Traceback" not in proc.stderr
