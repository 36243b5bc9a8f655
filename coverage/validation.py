"""Strict reading of the `assess` input (RULES.md, "The assessment contract") into engine facts.

Pure Python (no Django): the plan's terms come from an injected lookup, so the command reads
them from the database and tests from a dict. Anything not exactly as the contract says is
refused with `InputError(path, message)`, the path naming the field the way a handler would
find it in the file: `damages[2].claimed`, `overtime[0].evidence[1]`, `limits.liability`,
`sublimits.call_center`, `plan`. Unknown keys are refused too, so a typo (`"recognised"`)
cannot silently fall back to a default.

Hand-written rather than a schema library: the paths and messages are the product here, the
rules are few, and the engine stays free of dependencies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from coverage import vocab
from coverage.engine import ClaimFacts, DamageFact, ExpenseFact, Limits, OvertimeFact

MAX_YEN = 1_000_000_000_000
MAX_MINUTES = 100_000


class InputError(Exception):
    """Bad claim facts; `path` names the offending field ("" for the input as a whole)."""

    def __init__(self, path: str, message: str):
        super().__init__(path, message)
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True)
class PlanTerms:
    """What the engine needs of a plan (coverage.models.Plan, or a test's dict)."""

    liability_limit: int
    expense_limit: int
    leak_only: bool
    sublimits: Mapping[str, int] = field(default_factory=dict)


PlanLookup = Callable[[str], "PlanTerms | tuple | None"] | Mapping[str, "PlanTerms | tuple"]


# --- decoding the text -------------------------------------------------------------------


class _RepeatedKeys(dict):
    """A JSON object that named one key twice; `repeated` is the first such key."""

    repeated: str


class _HugeInteger:
    """A JSON integer too long to be any amount; kept out of int() (Python caps its digits)."""

    def __repr__(self) -> str:
        return "a huge integer"


def _object_pairs(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    marked = _RepeatedKeys(obj)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            marked.repeated = key
            return marked
        seen.add(key)
    raise AssertionError("unreachable: fewer keys than pairs means a repeat")


def _parse_int(text: str) -> int | _HugeInteger:
    return int(text) if len(text) <= 40 else _HugeInteger()


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def decode(text: str) -> object:
    """Decode JSON text, refusing NaN/Infinity and keeping note of repeated keys."""
    try:
        return json.loads(
            text,
            object_pairs_hook=_object_pairs,
            parse_int=_parse_int,
            parse_constant=_refuse_constant,
        )
    except (ValueError, RecursionError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError("", f"not valid JSON ({detail})") from None


# --- small strict readers ----------------------------------------------------------------


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return json.dumps(shown, ensure_ascii=False)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _object(value: object, path: str) -> dict:
    if not isinstance(value, dict):
        raise InputError(path, f"must be a JSON object, got {_describe(value)}")
    return value


def _fields(obj: dict, path: str, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    """Refuse a repeated, unknown or missing key, in that order."""
    if isinstance(obj, _RepeatedKeys):
        raise InputError(_at(path, obj.repeated), "is given more than once")
    known = set(required) | set(optional)
    for key in obj:
        if key not in known:
            raise InputError(_at(path, key), "unknown field")
    for key in required:
        if key not in obj:
            raise InputError(_at(path, key), "required field is missing")


def _bool(value: object, path: str) -> bool:
    if type(value) is not bool:
        raise InputError(path, f"must be true or false, got {_describe(value)}")
    return value


def _text(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise InputError(path, f"must be a string, got {_describe(value)}")
    return value


def _choice(value: object, path: str, labels: Mapping[str, str]) -> str:
    if not isinstance(value, str) or value not in labels:
        allowed = ", ".join(labels)
        raise InputError(path, f"must be one of {allowed}; got {_describe(value)}")
    return value


def _whole(value: object, path: str, what: str, maximum: int) -> int:
    if isinstance(value, _HugeInteger):
        raise InputError(path, f"is too large (at most {maximum:,})")
    # bool is an int subclass in Python, but JSON true is not a number.
    if type(value) is not int:
        raise InputError(path, f"must be {what} (a JSON integer), got {_describe(value)}")
    if value < 0:
        raise InputError(path, f"must not be negative, got {value}")
    if value > maximum:
        raise InputError(path, f"is too large (at most {maximum:,}), got {value}")
    return value


def _yen(value: object, path: str) -> int:
    return _whole(value, path, "whole yen", MAX_YEN)


_PREMIUM_PATTERN = re.compile(r"[0-9]{1,3}(\.[0-9]{1,12})?")


def _premium(value: object, path: str) -> Decimal:
    """A decimal string such as "1.25": plain digits, at least 1 (below 1000, ≤ 12 decimals)."""
    if not isinstance(value, str):
        raise InputError(path, f'must be a decimal string such as "1.25", got {_describe(value)}')
    if not _PREMIUM_PATTERN.fullmatch(value):
        raise InputError(path, f'must be a decimal string such as "1.25", got {_describe(value)}')
    premium = Decimal(value)
    if premium < 1:
        raise InputError(path, f"must be at least 1, got {_describe(value)}")
    return premium


def _list(value: object, path: str) -> list:
    if not isinstance(value, list):
        raise InputError(path, f"must be a list, got {_describe(value)}")
    return value


class _Ids:
    """Item ids: non-empty strings, unique across damages, expenses and overtime."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def read(self, value: object, path: str) -> str:
        item_id = _text(value, path)
        if not item_id.strip():
            raise InputError(path, "must not be empty")
        if item_id in self.seen:
            raise InputError(path, f"repeats the id {_describe(item_id)} of {self.seen[item_id]}")
        self.seen[item_id] = path.removesuffix(".id")
        return item_id


# --- the sections ------------------------------------------------------------------------

_DAMAGE_REQUIRED = ("id", "kind", "claimed")
_DAMAGE_OPTIONAL = (
    "client",
    "description",
    "recognized",
    "legally_liable",
    "cause",
    "own_service_free_promotional",
    "activity",
)


def _damage(value: object, path: str, ids: _Ids) -> DamageFact:
    obj = _object(value, path)
    _fields(obj, path, _DAMAGE_REQUIRED, _DAMAGE_OPTIONAL)
    item_id = ids.read(obj["id"], _at(path, "id"))
    claimed = _yen(obj["claimed"], _at(path, "claimed"))
    recognized = claimed
    if "recognized" in obj:
        recognized = _yen(obj["recognized"], _at(path, "recognized"))
        if recognized > claimed:
            raise InputError(
                _at(path, "recognized"), f"must not exceed claimed ({claimed}), got {recognized}"
            )
    return DamageFact(
        id=item_id,
        kind=_choice(obj["kind"], _at(path, "kind"), vocab.DAMAGE_KINDS),
        claimed=claimed,
        recognized=recognized,
        legally_liable=_bool(obj.get("legally_liable", True), _at(path, "legally_liable")),
        cause=_choice(
            obj.get("cause", vocab.CAUSE_PROVIDER_ATTACK), _at(path, "cause"), vocab.CAUSES
        ),
        own_service_free_promotional=_bool(
            obj.get("own_service_free_promotional", False),
            _at(path, "own_service_free_promotional"),
        ),
        activity=_choice(
            obj.get("activity", vocab.ACTIVITY_IT_USER_ACT), _at(path, "activity"), vocab.ACTIVITIES
        ),
        client=_text(obj.get("client", ""), _at(path, "client")),
        description=_text(obj.get("description", ""), _at(path, "description")),
    )


_EXPENSE_REQUIRED = ("id", "category", "amount")
_EXPENSE_OPTIONAL = ("description", "cause", "own_service_free_promotional")


def _expense(value: object, path: str, ids: _Ids) -> ExpenseFact:
    obj = _object(value, path)
    _fields(obj, path, _EXPENSE_REQUIRED, _EXPENSE_OPTIONAL)
    return ExpenseFact(
        id=ids.read(obj["id"], _at(path, "id")),
        category=_choice(obj["category"], _at(path, "category"), vocab.EXPENSE_CATEGORIES),
        amount=_yen(obj["amount"], _at(path, "amount")),
        cause=_choice(
            obj.get("cause", vocab.CAUSE_PROVIDER_ATTACK), _at(path, "cause"), vocab.CAUSES
        ),
        own_service_free_promotional=_bool(
            obj.get("own_service_free_promotional", False),
            _at(path, "own_service_free_promotional"),
        ),
        description=_text(obj.get("description", ""), _at(path, "description")),
    )


_OVERTIME_REQUIRED = ("id", "minutes", "hourly_rate")
_OVERTIME_OPTIONAL = (
    "employee",
    "premium",
    "task",
    "overtime_eligible",
    "evidence",
    "cause",
    "own_service_free_promotional",
)


def _evidence(value: object, path: str) -> frozenset[str]:
    kinds = _list(value, path)
    return frozenset(
        _choice(kind, f"{path}[{i}]", vocab.EVIDENCE_KINDS) for i, kind in enumerate(kinds)
    )


def _overtime(value: object, path: str, ids: _Ids) -> OvertimeFact:
    obj = _object(value, path)
    _fields(obj, path, _OVERTIME_REQUIRED, _OVERTIME_OPTIONAL)
    return OvertimeFact(
        id=ids.read(obj["id"], _at(path, "id")),
        minutes=_whole(obj["minutes"], _at(path, "minutes"), "whole minutes", MAX_MINUTES),
        hourly_rate=_yen(obj["hourly_rate"], _at(path, "hourly_rate")),
        premium=_premium(obj.get("premium", vocab.DEFAULT_PREMIUM), _at(path, "premium")),
        task=_choice(obj.get("task", vocab.TASK_INCIDENT_RESPONSE), _at(path, "task"), vocab.TASKS),
        overtime_eligible=_bool(obj.get("overtime_eligible", True), _at(path, "overtime_eligible")),
        evidence=_evidence(obj.get("evidence", []), _at(path, "evidence")),
        cause=_choice(
            obj.get("cause", vocab.CAUSE_PROVIDER_ATTACK), _at(path, "cause"), vocab.CAUSES
        ),
        own_service_free_promotional=_bool(
            obj.get("own_service_free_promotional", False),
            _at(path, "own_service_free_promotional"),
        ),
        employee=_text(obj.get("employee", ""), _at(path, "employee")),
    )


def _section(obj: dict, key: str, read_item: Callable, ids: _Ids) -> tuple:
    items = _list(obj.get(key, []), key)
    return tuple(read_item(item, f"{key}[{i}]", ids) for i, item in enumerate(items))


# --- plan and limits ---------------------------------------------------------------------


def _terms(plans: PlanLookup, code: str) -> PlanTerms | None:
    try:
        found = plans.get(code) if isinstance(plans, Mapping) else plans(code)
    except LookupError:
        return None
    if found is None or isinstance(found, PlanTerms):
        return found
    liability_limit, expense_limit, leak_only, sublimits = found
    return PlanTerms(liability_limit, expense_limit, leak_only, dict(sublimits))


def _limits(obj: dict, terms: PlanTerms) -> Limits:
    liability, expenses = terms.liability_limit, terms.expense_limit
    if "limits" in obj:
        given = _object(obj["limits"], "limits")
        _fields(given, "limits", (), ("liability", "expenses"))
        if "liability" in given:
            liability = _yen(given["liability"], "limits.liability")
        if "expenses" in given:
            expenses = _yen(given["expenses"], "limits.expenses")

    # The plan's sub-limits, each replaced by the input's for the same category.
    sublimits = dict(terms.sublimits)
    given = _object(obj.get("sublimits", {}), "sublimits")
    if isinstance(given, _RepeatedKeys):
        raise InputError(_at("sublimits", given.repeated), "is given more than once")
    for category, value in given.items():
        path = _at("sublimits", category)
        if category not in vocab.SUBLIMIT_CATEGORIES:
            allowed = ", ".join(vocab.SUBLIMIT_CATEGORIES)
            raise InputError(path, f"unknown expense category (one of {allowed})")
        sublimits[category] = _yen(value, path)
    return Limits(liability=liability, expenses=expenses, sublimits=sublimits)


# --- the whole input ---------------------------------------------------------------------

_TOP_REQUIRED = ("plan", "incident_leak_or_threat")
_TOP_OPTIONAL = (
    "direct_recovery_from_provider",
    "limits",
    "sublimits",
    vocab.SECTION_DAMAGES,
    vocab.SECTION_EXPENSES,
    vocab.SECTION_OVERTIME,
)


def claim_facts(data: object, plans: PlanLookup) -> ClaimFacts:
    """The engine's facts from decoded JSON, or InputError naming the first bad field.

    `plans` maps a plan code to its terms: a mapping, or a callable returning None (or
    raising LookupError) for an unknown code. Terms are a PlanTerms or a tuple
    (liability_limit, expense_limit, leak_only, {category: sublimit}).
    """
    if not isinstance(data, dict):
        raise InputError("", f"the input must be a JSON object, got {_describe(data)}")
    _fields(data, "", _TOP_REQUIRED, _TOP_OPTIONAL)

    plan = _text(data["plan"], "plan")
    terms = _terms(plans, plan)
    if terms is None:
        raise InputError("plan", f"unknown plan {_describe(plan)}")

    incident_leak_or_threat = _bool(data["incident_leak_or_threat"], "incident_leak_or_threat")
    direct_recovery = _bool(
        data.get("direct_recovery_from_provider", False), "direct_recovery_from_provider"
    )
    limits = _limits(data, terms)

    ids = _Ids()
    return ClaimFacts(
        plan=plan,
        leak_only=terms.leak_only,
        incident_leak_or_threat=incident_leak_or_threat,
        limits=limits,
        direct_recovery_from_provider=direct_recovery,
        damages=_section(data, vocab.SECTION_DAMAGES, _damage, ids),
        expenses=_section(data, vocab.SECTION_EXPENSES, _expense, ids),
        overtime=_section(data, vocab.SECTION_OVERTIME, _overtime, ids),
    )


def claim_facts_from_text(text: str, plans: PlanLookup) -> ClaimFacts:
    return claim_facts(decode(text), plans)
