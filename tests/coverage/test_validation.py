"""Strict reading of the assess input: every kind of bad input names its exact field path."""

import copy
import json
from decimal import Decimal

import pytest

from coverage.validation import InputError, PlanTerms, claim_facts, claim_facts_from_text

PLANS = {
    "cyber_standard": PlanTerms(100_000_000, 100_000_000, False, {}),
    "leak_only_5m": (5_000_000, 5_000_000, True, {"call_center": 1_000_000}),
}

VALID = {
    "plan": "cyber_standard",
    "incident_leak_or_threat": True,
    "direct_recovery_from_provider": False,
    "limits": {"liability": 100_000_000, "expenses": 100_000_000},
    "sublimits": {"call_center": 1_000_000},
    "damages": [
        {
            "id": "d1",
            "client": "株式会社A",
            "kind": "business_interruption",
            "description": "遅延損害金",
            "claimed": 120_000,
            "recognized": 100_000,
            "legally_liable": True,
            "cause": "provider_attack",
            "own_service_free_promotional": False,
            "activity": "it_user_act",
        },
        {"id": "d2", "kind": "information_leak", "claimed": 5_000},
    ],
    "expenses": [
        {
            "id": "e1",
            "category": "customer_notification",
            "description": "お詫び状",
            "amount": 50_000,
            "cause": "provider_attack",
            "own_service_free_promotional": False,
        }
    ],
    "overtime": [
        {
            "id": "o1",
            "employee": "山田花子",
            "minutes": 150,
            "hourly_rate": 2_100,
            "premium": "1.25",
            "task": "incident_response",
            "overtime_eligible": True,
            "evidence": ["attendance_record", "wage_basis", "task_record"],
            "cause": "provider_attack",
            "own_service_free_promotional": False,
        }
    ],
}


def with_change(path: str, value=None, *, delete=False) -> dict:
    """VALID with one field (dotted path, list indexes as numbers) set or deleted."""
    data = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    key = int(last) if last.isdigit() else last
    if delete:
        del node[key]
    else:
        node[key] = value
    return data


def error_path(data) -> str:
    with pytest.raises(InputError) as caught:
        claim_facts(data, PLANS)
    return caught.value.path


def test_the_valid_example_reads_without_error():
    facts = claim_facts(VALID, PLANS)
    assert [d.id for d in facts.damages] == ["d1", "d2"]
    assert facts.overtime[0].premium == Decimal("1.25")


# --- the whole input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "nope", "{", '{"plan": NaN}', '{"plan": Infinity}', "[1,]"],
)
def test_text_that_is_not_json_is_refused_as_a_whole(text):
    with pytest.raises(InputError) as caught:
        claim_facts_from_text(text, PLANS)
    assert caught.value.path == ""
    assert "not valid JSON" in caught.value.message


@pytest.mark.parametrize("data", [[], "text", 3, None, True])
def test_top_level_must_be_an_object(data):
    assert error_path(data) == ""


@pytest.mark.parametrize("field", ["plan", "incident_leak_or_threat"])
def test_required_top_level_fields(field):
    assert error_path(with_change(field, delete=True)) == field


def test_unknown_top_level_key_is_refused():
    assert error_path(with_change("damage", [])) == "damage"


def test_a_key_given_twice_is_refused_at_its_path():
    text = json.dumps(VALID, ensure_ascii=False)[:-1] + ', "plan": "leak_only_5m"}'
    with pytest.raises(InputError) as caught:
        claim_facts_from_text(text, PLANS)
    assert caught.value.path == "plan"

    inner = '{"plan": "cyber_standard", "incident_leak_or_threat": true, "damages": '
    inner += '[{"id": "d1", "kind": "information_leak", "claimed": 1, "claimed": 2}]}'
    with pytest.raises(InputError) as caught:
        claim_facts_from_text(inner, PLANS)
    assert caught.value.path == "damages[0].claimed"


@pytest.mark.parametrize("value", ["no_such_plan", "", "CYBER_STANDARD"])
def test_unknown_plan(value):
    assert error_path(with_change("plan", value)) == "plan"


@pytest.mark.parametrize("value", [1, None, ["cyber_standard"]])
def test_plan_must_be_a_string(value):
    assert error_path(with_change("plan", value)) == "plan"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("incident_leak_or_threat", 1),
        ("incident_leak_or_threat", "true"),
        ("incident_leak_or_threat", None),
        ("direct_recovery_from_provider", 0),
    ],
)
def test_flags_must_be_real_booleans(field, value):
    assert error_path(with_change(field, value)) == field


# --- limits and sub-limits ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "reported"),
    [
        ("limits", [], "limits"),
        ("limits.liability", -1, "limits.liability"),
        ("limits.expenses", 1.5, "limits.expenses"),
        ("limits.expenses", "100", "limits.expenses"),
        ("limits.liability", 1_000_000_000_001, "limits.liability"),
        ("limits.total", 1, "limits.total"),
        ("sublimits", [], "sublimits"),
        ("sublimits.call_center", -5, "sublimits.call_center"),
        ("sublimits.call_centre", 5, "sublimits.call_centre"),
        ("sublimits.overtime", True, "sublimits.overtime"),
    ],
)
def test_bad_limits(path, value, reported):
    assert error_path(with_change(path, value)) == reported


def test_limits_come_from_the_plan_unless_overridden_key_by_key():
    data = with_change("plan", "leak_only_5m")
    data["limits"] = {"liability": 7}
    del data["sublimits"]
    limits = claim_facts(data, PLANS).limits
    assert (limits.liability, limits.expenses) == (7, 5_000_000)
    assert limits.sublimits == {"call_center": 1_000_000}


def test_input_sublimits_replace_the_plans_per_category():
    data = with_change("plan", "leak_only_5m")
    data["sublimits"] = {"call_center": 10, "overtime": 20}
    assert claim_facts(data, PLANS).limits.sublimits == {"call_center": 10, "overtime": 20}


def test_omitted_limits_are_the_plans():
    data = with_change("limits", delete=True)
    data["plan"] = "leak_only_5m"
    facts = claim_facts(data, PLANS)
    assert (facts.limits.liability, facts.limits.expenses, facts.leak_only) == (
        5_000_000,
        5_000_000,
        True,
    )


# --- the three lists ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("damages", {}),
        ("expenses", "e1"),
        ("overtime", None),
        ("damages.0", "d1"),
        ("expenses.0", []),
    ],
)
def test_lists_and_their_items_must_have_the_right_shape(path, value):
    assert error_path(with_change(path, value)) == path.replace(".0", "[0]")


@pytest.mark.parametrize(
    "path",
    [
        "damages.0.id",
        "damages.0.kind",
        "damages.1.claimed",
        "expenses.0.category",
        "expenses.0.amount",
        "overtime.0.minutes",
        "overtime.0.hourly_rate",
    ],
)
def test_required_item_fields(path):
    reported = path.replace(".0.", "[0].").replace(".1.", "[1].")
    assert error_path(with_change(path, delete=True)) == reported


@pytest.mark.parametrize(
    "path",
    ["damages.0.recognised", "expenses.0.categroy", "overtime.0.evidences", "damages.1.amount"],
)
def test_unknown_item_keys_are_refused_not_ignored(path):
    reported = path.replace(".0.", "[0].").replace(".1.", "[1].")
    assert error_path(with_change(path, 1)) == reported


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("damages.0.kind", "leak"),
        ("damages.0.cause", "attack"),
        ("damages.0.activity", "it_user"),
        ("expenses.0.category", "overtime"),  # a sub-limit category, not an expense's
        ("expenses.0.cause", None),
        ("overtime.0.task", "incident"),
        ("overtime.0.cause", 1),
    ],
)
def test_unknown_enum_values(path, value):
    reported = path.replace(".0.", "[0].")
    assert error_path(with_change(path, value)) == reported


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("damages.0.claimed", True),  # JSON true is not an integer
        ("damages.0.claimed", 120_000.0),  # 120000.0 is not a whole yen
        ("damages.0.claimed", "120000"),
        ("damages.0.claimed", None),
        ("damages.0.claimed", -1),
        ("damages.0.claimed", 1_000_000_000_001),
        ("damages.0.recognized", 0.5),
        ("damages.0.recognized", 120_001),  # above claimed
        ("expenses.0.amount", -50_000),
        ("expenses.0.amount", False),
        ("overtime.0.hourly_rate", 2_100.5),
        ("overtime.0.hourly_rate", -1),
    ],
)
def test_bad_amounts(path, value):
    assert error_path(with_change(path, value)) == path.replace(".0.", "[0].")


def test_amounts_at_the_edges_of_the_range_are_accepted():
    data = with_change("damages.0.claimed", 1_000_000_000_000)
    data["damages"][0]["recognized"] = 0
    data["expenses"][0]["amount"] = 0
    facts = claim_facts(data, PLANS)
    assert (facts.damages[0].claimed, facts.damages[0].recognized) == (1_000_000_000_000, 0)


def test_a_huge_integer_is_too_large_not_a_crash():
    text = json.dumps(with_change("damages.0.claimed", 0)).replace(
        '"claimed": 0', '"claimed": ' + "9" * 5000
    )
    with pytest.raises(InputError) as caught:
        claim_facts_from_text(text, PLANS)
    assert caught.value.path == "damages[0].claimed"


@pytest.mark.parametrize("value", [-1, 100_001, 1.5, True, "60"])
def test_bad_minutes(value):
    assert error_path(with_change("overtime.0.minutes", value)) == "overtime[0].minutes"


@pytest.mark.parametrize("value", [0, 100_000])
def test_minutes_at_the_edges_are_accepted(value):
    assert claim_facts(with_change("overtime.0.minutes", value), PLANS).overtime[0].minutes == value


@pytest.mark.parametrize(
    "value", ["0.99", "0", "-1.25", "abc", "NaN", "Infinity", "1e0", " 1.25", "", 1.25, 1, None]
)
def test_bad_premiums(value):
    assert error_path(with_change("overtime.0.premium", value)) == "overtime[0].premium"


@pytest.mark.parametrize("value", ["1", "1.0", "1.35", "1.5", "2.00"])
def test_good_premiums(value):
    premium = claim_facts(with_change("overtime.0.premium", value), PLANS).overtime[0].premium
    assert premium == Decimal(value)


@pytest.mark.parametrize(
    ("value", "reported"),
    [
        (["attendance_record", "payslip"], "overtime[0].evidence[1]"),
        ([1], "overtime[0].evidence[0]"),
        ("attendance_record", "overtime[0].evidence"),
        ({"attendance_record": True}, "overtime[0].evidence"),
    ],
)
def test_bad_evidence(value, reported):
    assert error_path(with_change("overtime.0.evidence", value)) == reported


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("damages.0.legally_liable", 1),
        ("damages.0.own_service_free_promotional", "false"),
        ("overtime.0.overtime_eligible", None),
        ("expenses.0.own_service_free_promotional", 0),
        ("damages.0.client", 3),
        ("damages.0.description", None),
        ("expenses.0.description", ["a"]),
        ("overtime.0.employee", False),
    ],
)
def test_wrong_types_of_flags_and_texts(path, value):
    assert error_path(with_change(path, value)) == path.replace(".0.", "[0].")


# --- ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [("expenses.0.id", ""), ("damages.1.id", "   "), ("overtime.0.id", 7), ("damages.0.id", None)],
)
def test_ids_are_non_empty_strings(path, value):
    reported = path.replace(".0.", "[0].").replace(".1.", "[1].")
    assert error_path(with_change(path, value)) == reported


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("damages.1.id", "d1"),  # within one list: the later one
        ("expenses.0.id", "d2"),  # expenses come after damages
        ("overtime.0.id", "e1"),  # overtime comes after expenses
        ("overtime.0.id", "d1"),
    ],
)
def test_a_repeated_id_is_reported_at_its_later_place(path, value):
    reported = path.replace(".0.", "[0].").replace(".1.", "[1].")
    assert error_path(with_change(path, value)) == reported


# --- defaults -----------------------------------------------------------------------------


def test_minimal_input_takes_the_documented_defaults():
    data = {
        "plan": "cyber_standard",
        "incident_leak_or_threat": False,
        "damages": [{"id": "d", "kind": "information_leak", "claimed": 10}],
        "expenses": [{"id": "e", "category": "call_center", "amount": 20}],
        "overtime": [{"id": "o", "minutes": 30, "hourly_rate": 40}],
    }
    facts = claim_facts(data, PLANS)
    (d,), (e,), (o,) = facts.damages, facts.expenses, facts.overtime

    assert (facts.direct_recovery_from_provider, facts.incident_leak_or_threat) == (False, False)
    assert (facts.limits.liability, facts.limits.expenses, facts.limits.sublimits) == (
        100_000_000,
        100_000_000,
        {},
    )
    assert (d.recognized, d.legally_liable, d.cause, d.activity) == (
        10,
        True,
        "provider_attack",
        "it_user_act",
    )
    assert (d.own_service_free_promotional, d.client, d.description) == (False, "", "")
    assert (e.cause, e.own_service_free_promotional, e.description) == (
        "provider_attack",
        False,
        "",
    )
    assert (o.premium, o.task, o.overtime_eligible, o.evidence, o.employee) == (
        Decimal("1.25"),
        "incident_response",
        True,
        frozenset(),
        "",
    )


def test_lists_default_to_empty():
    facts = claim_facts({"plan": "cyber_standard", "incident_leak_or_threat": True}, PLANS)
    assert (facts.damages, facts.expenses, facts.overtime) == ((), (), ())


# --- the plan lookup ----------------------------------------------------------------------


def test_plan_lookup_may_be_a_callable_returning_none_for_unknown():
    seen = []

    def lookup(code):
        seen.append(code)
        return PLANS["cyber_standard"] if code == "mine" else None

    assert claim_facts(with_change("plan", "mine"), lookup).plan == "mine"
    assert error_path_with(with_change("plan", "other"), lookup) == "plan"
    assert seen == ["mine", "other"]


def test_plan_lookup_raising_lookup_error_means_unknown_plan():
    def lookup(code):
        raise KeyError(code)

    assert error_path_with(VALID, lookup) == "plan"


def error_path_with(data, plans) -> str:
    with pytest.raises(InputError) as caught:
        claim_facts(data, plans)
    return caught.value.path


def test_input_error_reads_as_path_and_message():
    assert str(InputError("damages[2].claimed", "must not be negative")) == (
        "damages[2].claimed: must not be negative"
    )
    assert str(InputError("", "not valid JSON")) == "not valid JSON"
