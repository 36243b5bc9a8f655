"""Bulk import of accident reports and their items (`manage.py import_claims`).

Reading (CSV or JSON Lines) turns the file into `Record`s, one per claim, keyed on the
sender's `external_ref`. `prepare_batch` validates a batch of records against the same
rules as the models (whole yen 0..1e12, recognized <= claimed, codes of coverage.vocab,
dates, lengths) and the master data (policy, incident, handler), and assesses every valid
claim with the coverage engine in memory. `write_batch` then inserts the valid claims and
their items with bulk_create, each with its creation history row, in one transaction per
batch. A claim with any error is skipped whole; a claim whose external_ref is already in
the database is skipped as already imported, so re-running a file creates nothing new. The
column set is documented in docs/import.md.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from claims import permissions
from claims.models import (
    CUT_REASON_REQUIRED,
    Claim,
    ClientDamage,
    Expense,
    Incident,
    OvertimeEntry,
    Policy,
    StatusChange,
)
from claims.services import next_claim_number
from coverage import engine, vocab
from coverage.adapters import plan_terms
from coverage.models import Plan

IMPORT_REASON = "一括取込 (import_claims)"

# --- the column set ----------------------------------------------------------------------
# Claim columns: input name -> model field. CSV repeats them on every row of a claim (or
# leaves them blank after the first row); JSON Lines gives them once per line.
CLAIM_COLUMNS = {
    "external_ref": "external_ref",
    "policy_number": None,
    "incident_id": None,
    "incident_provider": None,
    "incident_date": None,
    "noticed_on": "noticed_on",
    "handler": None,
    "description": "description",
    "own_cloud_service": "own_cloud_service",
    "own_cloud_service_free_promotional": "own_cloud_service_free_promotional",
    "direct_recovery_elected": "direct_recovery_elected",
    "talks_difficult": "talks_difficult",
}
_COMMON_ITEM = {"cause": "cause", "own_service_free_promotional": "own_service_free_promotional"}
# Item columns per section: input name -> model field. In CSV the item's description is
# `item_description` (the claim has its own `description`); in JSON it is `description`.
ITEM_COLUMNS = {
    vocab.SECTION_DAMAGES: {
        "client_name": "client_name",
        "kind": "kind",
        "description": "description",
        "claimed": "claimed",
        "recognized": "recognized",
        "cut_reason_code": "cut_reason_code",
        "cut_reason": "cut_reason",
        "legally_liable": "legally_liable",
        "activity": "activity",
        **_COMMON_ITEM,
    },
    vocab.SECTION_EXPENSES: {
        "category": "category",
        "description": "description",
        "amount": "amount",
        "incurred_on": "incurred_on",
        **_COMMON_ITEM,
    },
    vocab.SECTION_OVERTIME: {
        "employee": "employee",
        "work_date": "work_date",
        "minutes": "minutes",
        "hourly_rate": "hourly_rate",
        "premium": "premium",
        "task": "task",
        "overtime_eligible": "overtime_eligible",
        "evidence": "evidence",
        "evidence_note": "evidence_note",
        **_COMMON_ITEM,
    },
}
# Evidence the file says was seen arrives without its files: recorded as confirmed without a
# file (claims.evidence), with this note unless the file gives its own `evidence_note`.
IMPORT_EVIDENCE_NOTE = "一括取込 (import_claims) で確認済みとして受領 (ファイルなし)"
REQUIRED = {
    vocab.SECTION_DAMAGES: ("client_name", "kind", "claimed", "recognized"),
    vocab.SECTION_EXPENSES: ("category", "amount"),
    vocab.SECTION_OVERTIME: ("employee", "minutes", "hourly_rate"),
}
BOOLEAN_FIELDS = {
    "own_cloud_service",
    "own_cloud_service_free_promotional",
    "direct_recovery_elected",
    "talks_difficult",
    "legally_liable",
    "overtime_eligible",
    "own_service_free_promotional",
}
INTEGER_FIELDS = {"claimed", "recognized", "amount", "minutes", "hourly_rate", "incident_id"}
# CSV's item_type values -> section
ITEM_TYPES = {
    "damage": vocab.SECTION_DAMAGES,
    "expense": vocab.SECTION_EXPENSES,
    "overtime": vocab.SECTION_OVERTIME,
}
CSV_ITEM_COLUMNS = {"item_type", "item_description"} | {
    c for cols in ITEM_COLUMNS.values() for c in cols if c != "description"
}
CSV_COLUMNS = set(CLAIM_COLUMNS) | CSV_ITEM_COLUMNS
MODELS = {
    vocab.SECTION_DAMAGES: ClientDamage,
    vocab.SECTION_EXPENSES: Expense,
    vocab.SECTION_OVERTIME: OvertimeEntry,
}
_TRUE = {"true", "1", "yes", "y", "t", "はい"}
_FALSE = {"false", "0", "no", "n", "f", "いいえ"}
_INT_RE = re.compile(r"^-?\d+$")
# The desk's forms refuse these; the import refuses them too.
MAX_DESCRIPTION = 5000  # the intake form's 事故の概要
FUTURE_REFUSED = {"noticed_on", "incurred_on", "work_date"}
# Bidi embedding/override/isolate controls (U+202A-E, U+2066-9): they reorder what a
# reader sees on the claim page and in PDFs.
BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
# Free text that may span lines; every other value is one line.
MULTILINE = {"description", "item_description"}
MAX_JSON_DEPTH = 4  # line object -> items list -> item -> evidence list
# One import at a time: a PostgreSQL advisory lock key (any 64-bit number, fixed).
IMPORT_LOCK_KEY = 0x434C41494D53  # "CLAIMS"


class ImportFileError(Exception):
    """The file as a whole cannot be read (unknown format, bad header, broken encoding)."""


@dataclass
class RowError:
    line: int
    ref: str
    field: str
    message: str

    def __str__(self):
        where = f"{self.line}行目"
        if self.ref:
            where += f" [{self.ref}]"
        return f"{where} {self.field}: {self.message}" if self.field else f"{where} {self.message}"


@dataclass
class Item:
    line: int
    section: str
    label: str  # where the item sits in its line ("damages[1]" in JSON, "" in CSV)
    data: dict


@dataclass
class Record:
    """One claim of the file with all its items, and the line numbers it came from."""

    ref: str
    line: int
    data: dict
    items: list[Item] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def error(self, line: int, column: str, message: str):
        self.errors.append(RowError(line, self.ref, column, message))


@dataclass
class Prepared:
    """A validated claim ready to insert: the row, its items, its assessment's totals."""

    record: Record
    claim: Claim
    items: dict[str, list]


@dataclass
class BatchResult:
    ready: list[Prepared] = field(default_factory=list)
    existing: int = 0
    errors: list[RowError] = field(default_factory=list)
    rejected: int = 0


# --- reading -------------------------------------------------------------------------


def read_records(path: Path) -> list[Record]:
    """The file's claims in file order. CSV: one row per item, grouped by external_ref;
    JSON Lines: one claim per line with `damages`, `expenses` and `overtime` lists."""
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".jsonl", ".ndjson"}:
        raise ImportFileError("ファイルの拡張子は .csv または .jsonl にしてください。")
    text = _decode(path.read_bytes())
    if suffix == ".csv":
        try:
            return _read_csv(io.StringIO(text, newline=""))
        except csv.Error as exc:
            raise ImportFileError(f"CSV として読めません ({_csv_reason(exc)})。") from exc
    return _read_jsonl(io.StringIO(text, newline=""))


def _decode(raw: bytes) -> str:
    """UTF-8 (a BOM is accepted); a broken byte is reported with its line and column."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ImportFileError(
            f"{line}行目 {column}バイト目: UTF-8 として読めません (0x{raw[exc.start]:02X})。"
            " UTF-8 で保存し直してください。"
        ) from exc


def _read_csv(fh) -> list[Record]:
    reader = csv.DictReader(fh)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise ImportFileError(f"1行目: CSV として読めません ({_csv_reason(exc)})。") from exc
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        raise ImportFileError(f"1行目: 不明な列があります: {', '.join(unknown)}")
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise ImportFileError(f"1行目: 同じ列が2回あります: {', '.join(twice)}")
    if "external_ref" not in header:
        raise ImportFileError("1行目: external_ref 列が必要です。")
    records: dict[str, Record] = {}
    seen_rows: dict[tuple, int] = {}
    nameless = 0
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportFileError(
                f"{reader.line_num + 1}行目: CSV として読めません ({_csv_reason(exc)})。"
                " 何も取り込んでいません。"
            ) from exc
        line = reader.line_num
        problems = []
        if None in row:
            extra = len(row.pop(None) or [])
            problems.append(
                (
                    "",
                    f"列が多すぎます (見出しは {len(header)} 列、この行は {len(header) + extra} 列)。",
                )
            )
        row = {k: (v or "").strip() for k, v in row.items() if k is not None}
        for column, value in row.items():
            row[column], message = _screen(column, value)
            if message:
                problems.append((column, message))
        if not any(row.values()) and not problems:
            continue
        ref = row.get("external_ref", "")
        if not ref:
            nameless += 1
            ref = f"<external_ref なし #{nameless}>"
        record = records.get(ref)
        claim_data = {c: row[c] for c in CLAIM_COLUMNS if c in row}
        if record is None:
            record = records[ref] = Record(ref=ref, line=line, data=claim_data)
            if not row.get("external_ref"):
                record.error(line, "external_ref", "必須です。")
        else:
            for column, value in claim_data.items():
                first = record.data.get(column, "")
                if value and first and value != first:
                    record.error(
                        line, column, f"同じ事故の{record.line}行目の値「{first}」と異なります。"
                    )
                elif value and not first:
                    record.data[column] = value
        for column, message in problems:
            record.error(line, column, message)
        key = tuple(row.get(c, "") for c in header)
        if key in seen_rows:
            record.error(
                line, "", f"{seen_rows[key]}行目と同じ内容の行です (重複行は取り込みません)。"
            )
            continue
        seen_rows[key] = line
        item_type = row.get("item_type", "")
        item_values = {c: row[c] for c in CSV_ITEM_COLUMNS - {"item_type"} if row.get(c)}
        if not item_type:
            if item_values:
                record.error(line, "item_type", "明細の列があるのに item_type が空です。")
            continue
        section = ITEM_TYPES.get(item_type)
        if section is None:
            record.error(line, "item_type", f"「{item_type}」は damage/expense/overtime のいずれか")
            continue
        data = {}
        allowed = set(ITEM_COLUMNS[section])
        for column, value in item_values.items():
            name = "description" if column == "item_description" else column
            if name not in allowed:
                record.error(line, column, f"{item_type} の明細には使えない列です。")
            data[name] = value
        record.items.append(Item(line=line, section=section, label="", data=data))
    return list(records.values())


def _csv_reason(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"1つの欄が長すぎます ({csv.field_size_limit():,} 文字まで)"
    return text


def _screen(column: str, value: str) -> tuple[str, str | None]:
    """The value without control characters (NUL and the like; line breaks and tabs are kept
    only in free text) and bidi controls, and the message naming what was found, if any."""
    keep = "\t\r\n" if column.rsplit(".", 1)[-1] in MULTILINE else ""
    bad = sorted(
        {
            c
            for c in value
            if c in BIDI_CONTROLS or (unicodedata.category(c) == "Cc" and c not in keep)
        }
    )
    if not bad:
        return value, None
    names = ", ".join(f"U+{ord(c):04X}" for c in bad)
    cleaned = "".join(c for c in value if c not in bad)
    return cleaned, f"制御文字・書字方向の制御文字 ({names}) は使えません。"


def _screen_json(record: Record, line: int, label: str, value, depth: int = 1):
    """Screen every string of a parsed line (keys too) and refuse nesting deeper than the
    format has; returns the cleaned value."""
    if isinstance(value, str):
        cleaned, message = _screen(label, value)
        if message:
            record.error(line, label, message)
        return cleaned
    if isinstance(value, (dict, list)) and depth > MAX_JSON_DEPTH:
        record.error(line, label, f"入れ子が深すぎます ({MAX_JSON_DEPTH} 段まで)。")
        return None
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name, message = _screen(label, key)
            where = f"{label}.{name}" if label else name
            if message:
                record.error(line, where, message)
            out[name] = _screen_json(record, line, where, item, depth + 1)
        return out
    if isinstance(value, list):
        return [
            _screen_json(record, line, f"{label}[{n}]", item, depth + 1)
            for n, item in enumerate(value)
        ]
    return value


def _scalar(record: Record, line: int, column: str, value) -> bool:
    if isinstance(value, (dict, list)):
        record.error(line, column, "文字列・数値・真偽値で指定してください。")
        return False
    return True


def _read_jsonl(fh) -> list[Record]:
    records: list[Record] = []
    seen: dict[str, int] = {}
    for line, text in enumerate(fh, start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            records.append(_broken(line, f"JSON として読めません: {exc.msg} ({exc.colno}文字目)"))
            continue
        except RecursionError:
            records.append(_broken(line, f"JSON の入れ子が深すぎます ({MAX_JSON_DEPTH} 段まで)。"))
            continue
        if not isinstance(obj, dict):
            records.append(_broken(line, "1行に1つの JSON オブジェクトを書いてください。"))
            continue
        record = Record(ref="", line=line, data={})
        obj = _screen_json(record, line, "", obj)
        ref = (
            _text(obj.get("external_ref"))
            if _scalar(record, line, "external_ref", obj.get("external_ref"))
            else ""
        )
        record.ref = ref
        for error in record.errors:
            error.ref = ref
        if not ref:
            record.ref = f"<external_ref なし {line}行目>"
            record.error(line, "external_ref", "必須です。")
        elif ref in seen:
            record.error(line, "external_ref", f"{seen[ref]}行目と重複しています。")
        else:
            seen[ref] = line
        for key, value in obj.items():
            if key in ITEM_COLUMNS:
                if not isinstance(value, list):
                    record.error(line, key, "明細の配列にしてください。")
                    continue
                firsts: dict[str, str] = {}
                for n, item in enumerate(value):
                    label = f"{key}[{n}]"
                    if not isinstance(item, dict):
                        record.error(line, label, "オブジェクトにしてください。")
                        continue
                    same = json.dumps(item, sort_keys=True, ensure_ascii=False)
                    if same in firsts:
                        record.error(
                            line, label, f"{firsts[same]} と同じ内容です (重複は取り込みません)。"
                        )
                        continue
                    firsts[same] = label
                    for k, v in item.items():
                        if k not in ITEM_COLUMNS[key]:
                            record.error(line, f"{label}.{k}", "不明な項目です。")
                        elif k != "evidence":
                            _scalar(record, line, f"{label}.{k}", v)
                    record.items.append(Item(line=line, section=key, label=label, data=item))
            elif key in CLAIM_COLUMNS:
                if _scalar(record, line, key, value):
                    record.data[key] = value
            else:
                record.error(line, key, "不明な項目です。")
        records.append(record)
    return records


def _broken(line: int, message: str) -> Record:
    record = Record(ref=f"<{line}行目>", line=line, data={})
    record.errors.append(RowError(line, "", "", message))
    return record


# --- validating ---------------------------------------------------------------------------


class Lookups:
    """Master data the rows refer to, read once per run (plans, incidents) or per batch."""

    def __init__(self):
        self.plans = {p.pk: (p, plan_terms(p)) for p in Plan.objects.prefetch_related("sublimits")}
        self.incidents = {i.pk: i for i in Incident.objects.all()}
        self.by_provider: dict[tuple[str, str], list[Incident]] = {}
        for incident in self.incidents.values():
            key = (incident.provider_name, incident.occurred_on.isoformat())
            self.by_provider.setdefault(key, []).append(incident)
        self.users: dict[str, object | None] = {}

    def handler(self, username: str):
        if username not in self.users:
            user = get_user_model().objects.filter(username=username, is_active=True).first()
            ok = user is not None and (
                permissions.is_handler(user) or permissions.is_supervisor(user)
            )
            self.users[username] = user if ok else None
        return self.users[username]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _coerce(record: Record, line: int, label: str, name: str, value):
    """Booleans, integers and evidence lists into Python values; None when refused."""
    column = f"{label}.{name}" if label else name
    if name in BOOLEAN_FIELDS:
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        record.error(line, column, f"「{value}」は true/false で指定してください。")
        return None
    if name in INTEGER_FIELDS:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = _text(value)
        if isinstance(value, float) or not _INT_RE.match(text):
            record.error(line, column, f"「{value}」は整数 (円・分は小数なし) で指定してください。")
            return None
        return int(text)
    if name == "evidence":
        kinds = value if isinstance(value, list) else re.split(r"[;|]", _text(value))
        kinds = [_text(k) for k in kinds if _text(k)]
        unknown = [k for k in kinds if k not in vocab.EVIDENCE_KINDS]
        if unknown:
            record.error(
                line,
                column,
                f"不明な証憑: {', '.join(unknown)} (使えるのは {', '.join(vocab.EVIDENCE_KINDS)})",
            )
            return None
        return kinds
    if name == "premium":
        from claims.premium import PremiumError, parse_premium

        try:  # what the `assess` contract accepts: "1.25", "1.255", "1.3333", "1.250"
            return parse_premium(_text(value))
        except PremiumError as exc:
            record.error(line, column, f"「{value}」: {exc}")
            return None
    return value if isinstance(value, str) else _text(value)


def _clean(record: Record, line: int, label: str, obj, columns: dict[str, str]):
    """Run the model fields' own validators (choices, lengths, yen range, dates)."""
    exclude = [f.name for f in obj._meta.fields if f.name not in columns.values()]
    try:
        obj.clean_fields(exclude=exclude)
    except ValidationError as exc:
        to_input = {v: k for k, v in columns.items() if v}
        for name, messages in exc.message_dict.items():
            column = to_input.get(name, name)
            column = f"{label}.{column}" if label else column
            for message in messages:
                record.error(line, column, message)


def _validate_claim(record: Record, lookups: Lookups, policies: dict[str, Policy], by):
    data = record.data
    line = record.line
    policy_number = _text(data.get("policy_number"))
    policy = policies.get(policy_number)
    if not policy_number:
        record.error(line, "policy_number", "必須です。")
    elif policy is None:
        record.error(line, "policy_number", f"証券番号「{policy_number}」の保険契約がありません。")

    incident = None
    incident_id = _text(data.get("incident_id"))
    provider = _text(data.get("incident_provider"))
    occurred = _text(data.get("incident_date"))
    if incident_id:
        pk = _coerce(record, line, "", "incident_id", data.get("incident_id"))
        if pk is not None:
            incident = lookups.incidents.get(pk)
            if incident is None:
                record.error(line, "incident_id", f"インシデント {pk} がありません。")
    elif provider or occurred:
        found = lookups.by_provider.get((provider, occurred), [])
        if len(found) == 1:
            incident = found[0]
        else:
            what = "がありません" if not found else "が複数あります"
            record.error(line, "incident_provider", f"「{provider}」{occurred} の事故{what}。")
    else:
        record.error(
            line, "incident_id", "incident_id か incident_provider+incident_date が必要です。"
        )

    handler = None
    username = _text(data.get("handler"))
    if username:
        handler = lookups.handler(username)
        if handler is None:
            record.error(
                line, "handler", f"担当者「{username}」は有効な担当者・管理者ではありません。"
            )

    claim = Claim(
        policy=policy,
        incident=incident,
        handler=handler,
        created_by=by,
        external_ref=record.ref,
        status=Claim.Status.REPORTED,
        noticed_on=_text(data.get("noticed_on")) or None,
        description=_text(data.get("description")),
        own_cloud_service=bool(policy and policy.provides_cloud_service),
        own_cloud_service_free_promotional=bool(policy and policy.cloud_service_free_promotional),
    )
    for name in (
        "own_cloud_service",
        "own_cloud_service_free_promotional",
        "direct_recovery_elected",
        "talks_difficult",
    ):
        if _text(data.get(name)):
            value = _coerce(record, line, "", name, data[name])
            if value is not None:
                setattr(claim, name, value)
    if claim.noticed_on is None:
        record.error(line, "noticed_on", "必須です (YYYY-MM-DD)。")
    columns = {k: v for k, v in CLAIM_COLUMNS.items() if v and k != "noticed_on"}
    if claim.noticed_on is not None:
        columns["noticed_on"] = "noticed_on"
    _clean(record, line, "", claim, columns)
    if len(claim.description) > MAX_DESCRIPTION:
        record.error(
            line,
            "description",
            f"{MAX_DESCRIPTION:,} 文字以内にしてください (現在 {len(claim.description):,} 文字)。",
        )
    _refuse_future(record, line, "", claim)
    return claim


def _refuse_future(record: Record, line: int, label: str, obj):
    """The forms refuse a 事故を知った日, 支出日 or 勤務日 after today; so does the import."""
    today = timezone.localdate()
    for name in FUTURE_REFUSED:
        value = getattr(obj, name, None)
        if isinstance(value, datetime.date) and value > today:
            column = f"{label}.{name}" if label else name
            record.error(line, column, "未来の日付は指定できません。")


def _validate_item(record: Record, item: Item, by):
    columns = ITEM_COLUMNS[item.section]
    model = MODELS[item.section]
    obj = model(created_by=by, updated_by=by)
    label = item.label
    usable = dict(columns)
    for name in REQUIRED[item.section]:
        if not _text(item.data.get(name)):
            column = f"{label}.{name}" if label else name
            record.error(item.line, column, "必須です。")
            usable.pop(name, None)
    for name, value in item.data.items():
        if name not in columns or name not in usable:
            continue
        if _text(value) == "" and not isinstance(value, list):
            usable.pop(name, None)  # blank: the model's default
            continue
        coerced = _coerce(record, item.line, label, name, value)
        if coerced is None:
            usable.pop(name, None)
            continue
        setattr(obj, columns[name], coerced)
    _clean(record, item.line, label, obj, usable)
    if (
        item.section == vocab.SECTION_DAMAGES
        and isinstance(obj.claimed, int)
        and isinstance(obj.recognized, int)
        and 0 <= obj.claimed < obj.recognized
    ):
        column = f"{label}.recognized" if label else "recognized"
        record.error(item.line, column, "認定額は請求額以下にしてください。")
    elif (
        item.section == vocab.SECTION_DAMAGES
        and isinstance(obj.claimed, int)
        and isinstance(obj.recognized, int)
        and obj.recognized < obj.claimed
        and not (obj.cut_reason or "").strip()
    ):
        column = f"{label}.cut_reason" if label else "cut_reason"
        record.error(
            item.line, column, CUT_REASON_REQUIRED.format(cut=obj.claimed - obj.recognized)
        )
    _refuse_future(record, item.line, label, obj)
    return obj


def _follow_claim_facts(record: Record, item: Item, obj, claim: Claim, by) -> None:
    """One truth per fact (claims.facts): an item cannot contradict the claim's own-cloud-
    service facts, and the free-promotion exception is the claim's (an item's
    `own_service_free_promotional`, if given, must agree with it)."""
    from claims.facts import item_conflicts

    def column(name):
        return f"{item.label}.{name}" if item.label else name

    for name, message in item_conflicts(
        own_cloud_service=claim.own_cloud_service,
        cause=obj.cause,
        activity=getattr(obj, "activity", None),
    ).items():
        record.error(item.line, column(name), message)
    free = bool(claim.own_cloud_service and claim.own_cloud_service_free_promotional)
    given = item.data.get("own_service_free_promotional")
    if _text(given) and obj.own_service_free_promotional != free:
        record.error(
            item.line,
            column("own_service_free_promotional"),
            "無償提供かどうかは事故の own_cloud_service_free_promotional に従います"
            f" (この事故は{'無償提供' if free else '無償提供ではありません'})。品目ごとには指定できません。",
        )
    obj.own_service_free_promotional = free
    if item.section == vocab.SECTION_OVERTIME and obj.evidence:
        obj.evidence_note = (obj.evidence_note or "").strip() or IMPORT_EVIDENCE_NOTE
        obj.evidence_note_by, obj.evidence_note_at = by, timezone.now()


def assess_rows(claim: Claim, plan: Plan, terms, items: dict[str, list]) -> engine.Assessment:
    """The coverage engine on unsaved rows, as claim_refresh_totals would on saved ones."""
    from coverage.adapters import assess_unsaved

    return assess_unsaved(claim, items, plan=plan, terms=terms)


def set_totals(claim: Claim, items: dict[str, list], assessment: engine.Assessment):
    """The queue's summary columns, computed as claims.services.claim_refresh_totals does."""
    from coverage.adapters import summary_totals

    claim.total_claimed, claim.total_payable, claim.pending_items = summary_totals(
        items, assessment
    )


def prepare_batch(records: list[Record], lookups: Lookups, *, by) -> BatchResult:
    """Validate a batch of records; the valid, not yet imported ones come back ready to write."""
    result = BatchResult()
    refs = [r.ref for r in records]
    existing = set(
        Claim.objects.filter(external_ref__in=refs).values_list("external_ref", flat=True)
    )
    numbers = {_text(r.data.get("policy_number")) for r in records}
    policies = {p.number: p for p in Policy.objects.filter(number__in=numbers - {""})}
    # What each policy has used of its limits, read once per policy: nothing is written
    # before the batch is prepared, so it is the same for every row (was one query a row).
    usage = {}
    for record in records:
        if record.ref in existing and not record.errors:
            result.existing += 1
            continue
        claim = _validate_claim(record, lookups, policies, by)
        items: dict[str, list] = {section: [] for section in ITEM_COLUMNS}
        for item in record.items:
            obj = _validate_item(record, item, by)
            _follow_claim_facts(record, item, obj, claim, by)
            items[item.section].append(obj)
        if record.errors:
            result.errors.extend(record.errors)
            result.rejected += 1
            continue
        plan, terms = lookups.plans[claim.policy.plan_id]
        if claim.policy_id not in usage:
            from coverage.adapters import policy_usage

            usage[claim.policy_id] = policy_usage(claim, terms=terms)
        claim.preloaded_policy_usage = usage[claim.policy_id]
        set_totals(claim, items, assess_rows(claim, plan, terms, items))
        result.ready.append(Prepared(record=record, claim=claim, items=items))
    return result


# --- writing ------------------------------------------------------------------------------


@transaction.atomic
def write_batch(ready: list[Prepared], *, by) -> int:
    """Insert the claims (with a history row and a status trace each) and their items;
    returns the number of claims."""
    if not ready:
        return 0
    now = timezone.now()
    claims = [p.claim for p in ready]
    today = timezone.localdate()
    if connection.vendor == "postgresql":
        # Take the ids from the sequence first, so each row goes in with its final number.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Claim._meta.db_table, len(claims)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        for claim, pk in zip(claims, ids, strict=True):
            claim.pk = pk
            claim.number = next_claim_number(pk, today)
            claim.reported_at = now
        Claim.objects.bulk_create(claims)
    else:
        for claim in claims:
            claim.number = "imp-" + secrets.token_hex(8)  # unique stand-in until the pk is known
            claim.reported_at = now
        Claim.objects.bulk_create(claims)
        for claim in claims:
            claim.number = next_claim_number(claim.pk, today)
        Claim.objects.bulk_update(claims, ["number"])
    Claim.history.bulk_history_create(
        claims, default_user=by, default_change_reason=IMPORT_REASON, default_date=now
    )
    StatusChange.objects.bulk_create(
        StatusChange(
            claim=claim,
            from_status=Claim.Status.DRAFT,
            to_status=Claim.Status.REPORTED,
            reason=IMPORT_REASON,
            by=by,
        )
        for claim in claims
    )
    for section, model in MODELS.items():
        rows = []
        for prepared in ready:
            for row in prepared.items[section]:
                row.claim = prepared.claim
                rows.append(row)
        if rows:
            model.objects.bulk_create(rows)
            # A creation row per item, as a form would leave: without it an item's first
            # edit would be the first thing its history knows, and the imported figure that
            # edit replaced would be lost from the timeline.
            model.history.bulk_history_create(
                rows, default_user=by, default_change_reason=IMPORT_REASON, default_date=now
            )
    return len(claims)


@dataclass
class Summary:
    records: int = 0
    created: int = 0
    existing: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)


def import_records(
    records: list[Record],
    *,
    by,
    batch_size: int = 1000,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    waiting: Callable[[], None] | None = None,
) -> Summary:
    """Validate every record, then write them, in one transaction per file.

    Default: all or nothing; one claim with an error and nothing is written. With
    skip_invalid=True the valid claims are written and the others reported. dry_run runs
    exactly the same validation and writes, then rolls the transaction back, so it finds
    whatever a real run would. Imports run one at a time: on PostgreSQL a second import
    waits for the first (an advisory lock; `waiting` is called once if it has to), then
    finds the first one's claims already there.
    """
    summary = Summary(records=len(records))
    try:
        with transaction.atomic():
            _lock_imports(waiting)
            lookups = Lookups()
            ready: list[Prepared] = []
            done = 0
            for batch in _chunks(records, batch_size):
                result = prepare_batch(batch, lookups, by=by)
                summary.existing += result.existing
                summary.rejected += result.rejected
                summary.errors.extend(result.errors)
                ready.extend(result.ready)
                done += len(batch)
                if progress:
                    progress(done, len(records))
            if summary.rejected and not skip_invalid:
                return summary
            for batch in _chunks(ready, batch_size):
                summary.created += write_batch(batch, by=by)
            if dry_run:
                transaction.set_rollback(True)
    except DatabaseError as exc:
        raise ImportFileError(
            f"データベースへの書き込みに失敗したため、何も取り込んでいません: {exc}"
        ) from exc
    return summary


def _lock_imports(waiting: Callable[[], None] | None):
    """Hold the import lock until the transaction ends (PostgreSQL; SQLite serialises
    writers on its own)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        if cursor.fetchone()[0]:
            return
        if waiting:
            waiting()
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
