"""The claim page and `manage.py assess` agree on every worked scenario (issue 15, must show).

The scenarios in tests/coverage/scenarios/ are copies of the shared worked scenarios
(/work/shared/scenarios/*.json, the ones `python ../shared/scenarios/check.py` runs; a
clone of this project has no ../shared, so the test reads the copies). Each holds the
`assess` input and the assessment it must give.

For every scenario the test
(a) runs `manage.py assess` on the input and checks it gives the scenario's `expected`;
(b) builds the same claim the way a handler does, through the services (a policy on the
    scenario's plan, an incident with its leak determination, the claim's facts, each item
    through `item_create`, the Q5 evidence as linked uploads or as ticks with a note), opens
    the claim page as its handler and reads what the page shows: each line's 判定 and
    支払対象額, its reason codes, and the totals (賠償責任, 費用, 支払見込額 合計). They must be
    what `assess` printed.

One truth per fact (claims.facts): whether the insured provides its own cloud service, and
whether it gives it free for promotion, are the claim's facts, not an item's. A scenario that
mixes a paid and a free own-service item in one input (03) is therefore two claims on the
web, one per fact, and each line is compared with the line `assess` gave for it.
"""

import datetime
import io
import json
import pathlib
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from claims import services
from claims.models import Incident, Insured, Policy
from coverage import vocab
from coverage.models import ExpenseSublimit, Plan
from documents.services import document_upload

pytestmark = pytest.mark.django_db

SCENARIOS = pathlib.Path(__file__).resolve().parent / "scenarios"
SCENARIO_FILES = sorted(SCENARIOS.glob("*.json"))
SECTION_PREFIX = {"damages": "d", "expenses": "e", "overtime": "o"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def has_evidence(case) -> bool:
    return any(entry.get("evidence") for entry in case["input"].get("overtime", []))


def cases():
    """(scenario, how its Q5 evidence is given): as linked files; also as ticks with a note
    where the scenario has any evidence."""
    for path in SCENARIO_FILES:
        yield pytest.param(path, "files", id=f"{path.stem}-files")
        if has_evidence(load(path)):
            yield pytest.param(path, "ticks", id=f"{path.stem}-ticks")


def test_the_copies_are_all_there():
    """Eight worked scenarios, each with an input and the assessment it must give."""
    assert [p.name for p in SCENARIO_FILES] == [
        "01-simple-covered.json",
        "02-it-business-excluded.json",
        "03-own-cloud-service.json",
        "04-leak-only-plan.json",
        "05-expense-categories.json",
        "06-overtime-evidence-and-rounding.json",
        "07-direct-recovery.json",
        "08-limit-cap.json",
    ]
    for path in SCENARIO_FILES:
        case = load(path)
        assert {"input", "expected"} <= set(case), path.name


# --- (a) the command ---------------------------------------------------------------------


def run_assess(facts: dict, tmp_path) -> dict:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("assess", str(path), stdout=out)
    return json.loads(out.getvalue())


def comparable(assessment: dict) -> dict:
    """An assessment with each item's reasons as a sorted list (their order is not
    significant, RULES.md) and `missing` only where the item is pending."""
    items = []
    for item in assessment["items"]:
        item = dict(item)
        item["reasons"] = sorted(item["reasons"])
        if item["decision"] != vocab.DECISION_PENDING:
            item.pop("missing", None)
        items.append(item)
    return {**assessment, "items": items}


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
def test_assess_gives_what_the_scenario_expects(path, tmp_path):
    case = load(path)
    assert comparable(run_assess(case["input"], tmp_path)) == comparable(case["expected"])


# --- (b) the web app ---------------------------------------------------------------------


class ClaimPage(HTMLParser):
    """What the claim page shows: per line (tr[data-row]) its decision (data-decision), the
    text of its 支払対象額 cell (td[data-covered]) and its reason codes (data-reason); and the
    text of each total (data-total)."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, dict] = {}
        self.totals: dict[str, str] = {}
        self._row = None
        self._capture = None  # (where, key) while inside a figure's element
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-row" in attrs:
            self._row = self.rows.setdefault(
                attrs["data-row"], {"decision": None, "covered": None, "reasons": []}
            )
        if self._row is not None:
            if "data-decision" in attrs:
                self._row["decision"] = attrs["data-decision"]
            if "data-reason" in attrs:
                self._row["reasons"].append(attrs["data-reason"])
            if "data-covered" in attrs:
                self._capture, self._text = ("row", "covered"), []
        if "data-total" in attrs:
            self._capture, self._text = ("total", attrs["data-total"]), []

    def handle_endtag(self, tag):
        if self._capture is not None:
            where, key = self._capture
            text = " ".join("".join(self._text).split())
            if where == "row":
                self._row[key] = text
            else:
                self.totals[key] = text
            self._capture = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._capture is not None:
            self._text.append(data)


def yen(text: str) -> int:
    """'1,234,567円' -> 1234567; anything else fails the test, naming what the page showed."""
    match = re.fullmatch(r"([\d,]+)円", text or "")
    assert match, f"not a yen figure on the page: {text!r}"
    return int(match.group(1).replace(",", ""))


def set_plan_terms(facts: dict) -> None:
    """The input's limit and sub-limit overrides become the plan's own terms, as an admin
    would set them (the test's transaction rolls them back)."""
    plan = Plan.objects.get(code=facts["plan"])
    limits = facts.get("limits") or {}
    if "liability" in limits:
        plan.liability_limit = limits["liability"]
    if "expenses" in limits:
        plan.expense_limit = limits["expenses"]
    plan.save()
    for category, limit in (facts.get("sublimits") or {}).items():
        ExpenseSublimit.objects.update_or_create(
            plan=plan, category=category, defaults={"limit": limit}
        )


def own_service_groups(facts: dict) -> list[bool]:
    """One web claim per free-promotion fact the input's own-service items carry: [False],
    [True] or [False, True] (a mixed input, scenario 03)."""
    flags = {
        bool(entry.get("own_service_free_promotional", False))
        for section in SECTION_PREFIX
        for entry in facts.get(section, [])
        if entry.get("cause", vocab.CAUSE_PROVIDER_ATTACK) == vocab.CAUSE_OWN_SERVICE_STOPPAGE
    }
    return sorted(flags) or [False]


def group_of(entry: dict, groups: list[bool]) -> bool:
    """The claim an input entry goes to: an own-service item to the claim with its own
    free-promotion fact; any other item (the fact does not touch it) to the first claim."""
    if entry.get("cause", vocab.CAUSE_PROVIDER_ATTACK) == vocab.CAUSE_OWN_SERVICE_STOPPAGE:
        return bool(entry.get("own_service_free_promotional", False))
    return groups[0]


def needs_own_service(facts: dict) -> bool:
    """The claim provides its own cloud service when an item says its service stopped or a
    client did IT業務 on it (both presuppose one, claims.facts)."""
    return any(
        entry.get("cause") == vocab.CAUSE_OWN_SERVICE_STOPPAGE
        or entry.get("activity") == vocab.ACTIVITY_IT_BUSINESS
        for section in SECTION_PREFIX
        for entry in facts.get(section, [])
    )


def item_data(section: str, entry: dict, evidence_mode: str) -> dict:
    """The item's fields as the handler enters them, from the `assess` input entry (its
    defaults as RULES.md gives them)."""
    cause = entry.get("cause", vocab.CAUSE_PROVIDER_ATTACK)
    if section == "damages":
        claimed = entry["claimed"]
        recognized = entry.get("recognized", claimed)
        data = {
            "client_name": entry.get("client", "") or "顧問先",
            "kind": entry["kind"],
            "description": entry.get("description", ""),
            "claimed": claimed,
            "recognized": recognized,
            "legally_liable": entry.get("legally_liable", True),
            "cause": cause,
            "activity": entry.get("activity", vocab.ACTIVITY_IT_USER_ACT),
        }
        if recognized < claimed:  # every cut has its reason (issue 15, item 6)
            data.update(cut_reason="請求内容を精査し認定", cut_reason_code=vocab.CUT_EXCESSIVE)
        return data
    if section == "expenses":
        return {
            "category": entry["category"],
            "description": entry.get("description", ""),
            "amount": entry["amount"],
            "cause": cause,
        }
    evidence = list(entry.get("evidence", []))
    data = {
        "employee": entry.get("employee", "") or "従業員",
        "minutes": entry["minutes"],
        "hourly_rate": entry["hourly_rate"],
        "premium": Decimal(str(entry.get("premium", vocab.DEFAULT_PREMIUM))),
        "task": entry.get("task", vocab.TASK_INCIDENT_RESPONSE),
        "overtime_eligible": entry.get("overtime_eligible", True),
        "cause": cause,
        "evidence": evidence if evidence_mode == "ticks" else [],
    }
    if evidence_mode == "ticks" and evidence:
        data["evidence_note"] = "原本を窓口で確認 (確認者・日付を記録)"
    return data


def file_evidence(claim, entry, kinds, by) -> None:
    """The Q5 evidence as the handler uploads it: one file per kind, linked to the entry."""
    for kind in kinds:
        document_upload(
            claim=claim,
            by=by,
            files=[SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf")],
            kind=kind,
            overtime_entries=[entry],
        )


def build_claims(facts: dict, handler, evidence_mode: str):
    """The input as claims on the web. Returns [(claim, {input id: page row id})]."""
    set_plan_terms(facts)
    insured = Insured.objects.create(
        name="シナリオ社会保険労務士事務所", registration_number="77000001"
    )
    policy = Policy.objects.create(
        insured=insured,
        plan=Plan.objects.get(code=facts["plan"]),
        number="P-SCENARIO",
        period_start=datetime.date(2023, 4, 1),
        period_end=datetime.date(2024, 3, 31),
    )
    incident = Incident.objects.create(
        provider_name="株式会社シナリオクラウド",
        title="シナリオのサイバー攻撃",
        occurred_on=datetime.date(2023, 6, 5),
        leak_or_threat=facts["incident_leak_or_threat"],
    )
    groups = own_service_groups(facts)
    own_service = needs_own_service(facts)
    built = []
    for free in groups:
        claim = services.claim_create(
            by=handler,
            policy=policy,
            incident=incident,
            noticed_on=datetime.date(2023, 6, 6),
            description="シナリオの事故",
            own_cloud_service=own_service,
            own_cloud_service_free_promotional=free,
            direct_recovery_elected=facts.get("direct_recovery_from_provider", False),
            submit=True,
        )
        rows = {}
        for section, prefix in SECTION_PREFIX.items():
            for entry in facts.get(section, []):
                if group_of(entry, groups) != free:
                    continue
                item = services.item_create(
                    claim=claim,
                    section=section,
                    by=handler,
                    data=item_data(section, entry, evidence_mode),
                )
                if section == "overtime" and evidence_mode == "files":
                    file_evidence(claim, item, entry.get("evidence", []), handler)
                rows[entry["id"]] = f"{prefix}{item.pk}"
        built.append((claim, rows))
    return built


def page_of(client, claim) -> ClaimPage:
    response = client.get(reverse("claims:detail", args=[claim.number]))
    assert response.status_code == 200
    page = ClaimPage()
    page.feed(response.content.decode())
    return page


@pytest.mark.parametrize(("path", "evidence_mode"), list(cases()))
def test_the_claim_page_shows_what_assess_gives(path, evidence_mode, client, alice, tmp_path):
    case = load(path)
    facts = case["input"]
    expected = run_assess(facts, tmp_path)
    assert comparable(expected) == comparable(case["expected"])  # (a) holds here too
    by_id = {item["id"]: item for item in expected["items"]}

    built = build_claims(facts, alice, evidence_mode)
    client.force_login(alice)
    shown = {}  # input id -> what the page shows for its line
    totals = []
    for claim, rows in built:
        page = page_of(client, claim)
        assert set(page.rows) == set(rows.values()), f"{claim.number}: lines on the page"
        for input_id, row_id in rows.items():
            shown[input_id] = page.rows[row_id]
        totals.append({key: yen(page.totals[key]) for key in ("liability", "expenses", "payable")})

    assert set(shown) == set(by_id)
    for input_id, line in shown.items():
        want = by_id[input_id]
        assert line["decision"] == want["decision"], f"{path.stem} {input_id}: 判定"
        assert yen(line["covered"]) == want["covered"], f"{path.stem} {input_id}: 支払対象額"
        assert sorted(line["reasons"]) == sorted(want["reasons"]), f"{path.stem} {input_id}: 理由"

    if len(built) == 1:
        (page_totals,) = totals
        assert page_totals == {
            "liability": expected["liability"]["payable"],
            "expenses": expected["expenses"]["payable"],
            "payable": expected["total_payable"],
        }, f"{path.stem}: totals"
    else:
        # Split by the claim's own-service fact: with no pot at its limit the claims' totals
        # add up to what `assess` gives for the whole input.
        for pot in ("liability", "expenses"):
            assert expected[pot]["covered"] <= expected[pot]["limit"]
        assert {
            "liability": sum(t["liability"] for t in totals),
            "expenses": sum(t["expenses"] for t in totals),
            "payable": sum(t["payable"] for t in totals),
        } == {
            "liability": expected["liability"]["payable"],
            "expenses": expected["expenses"]["payable"],
            "payable": expected["total_payable"],
        }, f"{path.stem}: totals"
