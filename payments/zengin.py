"""The Zengin 総合振込 file (全銀協規定形式): pure Python, no Django.

Fixed-length 120-byte records in JIS 8-bit (Shift_JIS, cp932: half-width katakana one byte
each), one header (データ区分 1), one data record per transfer (2), a trailer (8) with the
control totals and an end record (9). N fields are right-aligned and zero-padded, C fields
left-aligned and space-padded. Each record here ends with CR LF (the published layout allows
"改行コード(CRLF)をつける場合は後付けで122バイト"); the parser accepts files with or without.

Header: 1 データ区分, 2 種別コード (21 総合振込), 1 コード区分 (0 JIS), 10 振込依頼人コード,
40 振込依頼人名, 4 振込指定日 MMDD, 4 仕向銀行番号, 15 仕向銀行名, 3 仕向支店番号,
15 仕向支店名, 1 預金種目, 7 口座番号, 17 ダミー.
Data: 1 データ区分, 4 被仕向銀行番号, 15 被仕向銀行名, 3 被仕向支店番号, 15 被仕向支店名,
4 手形交換所番号 (未使用: 0), 1 預金種目, 7 口座番号, 30 受取人名, 10 振込金額, 1 新規コード,
10 顧客コード1, 10 顧客コード2, 1 振込指定区分, 1 識別表示, 7 ダミー.
Trailer: 1 データ区分, 6 合計件数, 12 合計金額, 101 ダミー. End: 1 データ区分, 119 ダミー.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass

import jaconv

RECORD = 120
NEWLINE = b"\r\n"
ENCODING = "cp932"

# Characters the Zengin character set allows in C fields, after normalisation: half-width
# katakana (with the voiced marks as separate characters), digits, upper-case A-Z, space and
# a few symbols.
_KANA = "".join(chr(c) for c in range(0xFF66, 0xFFA0) if chr(c) != "ｰ")  # ｦ..ﾟ with ﾞ ﾟ
ALLOWED = set(_KANA) | set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ") | set("().-/\\,｢｣")
# Small kana banks do not take: they become the large ones (ｯ -> ﾂ), as banks print them.
_SMALL = str.maketrans("ｧｨｩｪｫｯｬｭｮ", "ｱｲｳｴｵﾂﾔﾕﾖ")


class ZenginError(ValueError):
    pass


def to_zengin_kana(text: str) -> str:
    """Normalise a name to what banks take: full-width katakana, hiragana, full-width
    ASCII and lower case become half-width katakana, half-width upper-case ASCII; small
    kana become large; full-width space and the long-vowel mark are mapped. Characters
    that stay outside the Zengin set are left in (see `refused_characters`)."""
    text = unicodedata.normalize("NFKC", text or "")  # full-width ASCII -> ASCII
    text = jaconv.hira2kata(text)
    text = text.replace("\u3000", " ").replace("－", "-").replace("‐", "-").replace("−", "-")
    text = jaconv.z2h(text, kana=True, ascii=True, digit=True)
    text = text.upper().translate(_SMALL).replace("ｰ", "-")  # banks print the long vowel as -
    return " ".join(text.split())


def refused_characters(text: str) -> list[str]:
    """The characters of `text` (already normalised) outside the Zengin set, once each."""
    seen = []
    for ch in text:
        if ch not in ALLOWED and ch not in seen:
            seen.append(ch)
    return seen


def _c(value: str, width: int) -> bytes:
    raw = (value or "").encode(ENCODING)
    if len(raw) > width:
        raw = raw[:width]
    return raw + b" " * (width - len(raw))


def _n(value: int | str, width: int) -> bytes:
    text = str(value)
    if not text.isdigit() or len(text) > width:
        raise ZenginError(f"数字項目に入りません: {value!r} ({width}桁)")
    return text.rjust(width, "0").encode("ascii")


@dataclass(frozen=True)
class Header:
    requester_code: str  # 振込依頼人コード (10 digits)
    requester_name: str  # カナ
    transfer_date: datetime.date
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str  # "1" 普通, "2" 当座
    account_number: str


@dataclass(frozen=True)
class Transfer:
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str
    holder: str  # 受取人名 (half-width katakana)
    amount: int
    customer_code1: str = ""  # 顧客コード1 (digits): the payout id here
    customer_code2: str = ""


def header_record(h: Header) -> bytes:
    rec = (
        b"1"
        + b"21"
        + b"0"
        + _n(h.requester_code, 10)
        + _c(h.requester_name, 40)
        + _n(f"{h.transfer_date:%m%d}", 4)
        + _n(h.bank_code, 4)
        + _c(h.bank_name, 15)
        + _n(h.branch_code, 3)
        + _c(h.branch_name, 15)
        + _n(h.account_type, 1)
        + _n(h.account_number, 7)
        + b" " * 17
    )
    assert len(rec) == RECORD, len(rec)
    return rec


def data_record(t: Transfer) -> bytes:
    if t.amount <= 0 or t.amount > 9_999_999_999:
        raise ZenginError(f"振込金額が範囲外です: {t.amount}")
    rec = (
        b"2"
        + _n(t.bank_code, 4)
        + _c(t.bank_name, 15)
        + _n(t.branch_code, 3)
        + _c(t.branch_name, 15)
        + b"0000"
        + _n(t.account_type, 1)
        + _n(t.account_number, 7)
        + _c(t.holder, 30)
        + _n(t.amount, 10)
        + b"0"
        + _n(t.customer_code1 or 0, 10)
        + _n(t.customer_code2 or 0, 10)
        + b" "
        + b" "
        + b" " * 7
    )
    assert len(rec) == RECORD, len(rec)
    return rec


def trailer_record(count: int, total: int) -> bytes:
    rec = b"8" + _n(count, 6) + _n(total, 12) + b" " * 101
    assert len(rec) == RECORD
    return rec


def end_record() -> bytes:
    return b"9" + b" " * 119


def build(header: Header, transfers: list[Transfer], newline: bytes = NEWLINE) -> bytes:
    """The whole file: header, one data record per transfer (in the given order), trailer
    with the count and the sum, end."""
    parts = [header_record(header)]
    parts += [data_record(t) for t in transfers]
    parts.append(trailer_record(len(transfers), sum(t.amount for t in transfers)))
    parts.append(end_record())
    return newline.join(parts) + newline


# --- reading one back (tests, and checking a stored file) ---------------------------------


def _split(data: bytes) -> list[bytes]:
    if b"\n" in data or b"\r" in data:
        records = [r for r in data.replace(b"\r\n", b"\n").split(b"\n") if r]
    else:
        if len(data) % RECORD:
            raise ZenginError("ファイル長が120バイトの倍数ではありません。")
        records = [data[i : i + RECORD] for i in range(0, len(data), RECORD)]
    for r in records:
        if len(r) != RECORD:
            raise ZenginError(f"レコード長が{RECORD}バイトではありません ({len(r)})。")
    return records


def _fields(rec: bytes, widths: list[int]) -> list[str]:
    out, pos = [], 0
    for w in widths:
        out.append(rec[pos : pos + w].decode(ENCODING).rstrip(" "))
        pos += w
    return out


HEADER_WIDTHS = [1, 2, 1, 10, 40, 4, 4, 15, 3, 15, 1, 7, 17]
DATA_WIDTHS = [1, 4, 15, 3, 15, 4, 1, 7, 30, 10, 1, 10, 10, 1, 1, 7]


@dataclass(frozen=True)
class Parsed:
    header: dict
    transfers: list[Transfer]
    count: int
    total: int


def parse(data: bytes, *, year: int) -> Parsed:
    """Read a 総合振込 file back; checks the record order and the trailer's totals."""
    records = _split(data)
    kinds = b"".join(r[:1] for r in records)
    if not (kinds.startswith(b"1") and kinds.endswith(b"89") and set(kinds[1:-2]) <= {ord("2")}):
        raise ZenginError("レコードの順序が ヘッダー・データ・トレーラ・エンド ではありません。")
    h = _fields(records[0], HEADER_WIDTHS)
    if h[1] != "21":
        raise ZenginError("種別コードが総合振込 (21) ではありません。")
    header = {
        "requester_code": h[3],
        "requester_name": h[4],
        "transfer_date": datetime.date(year, int(h[5][:2]), int(h[5][2:])),
        "bank_code": h[6],
        "bank_name": h[7],
        "branch_code": h[8],
        "branch_name": h[9],
        "account_type": h[10],
        "account_number": h[11],
    }
    transfers = []
    for rec in records[1:-2]:
        f = _fields(rec, DATA_WIDTHS)
        transfers.append(
            Transfer(
                bank_code=f[1],
                bank_name=f[2],
                branch_code=f[3],
                branch_name=f[4],
                account_type=f[6],
                account_number=f[7],
                holder=f[8],
                amount=int(f[9]),
                customer_code1=f[11].lstrip("0"),
                customer_code2=f[12].lstrip("0"),
            )
        )
    trailer = records[-2]
    count, total = int(trailer[1:7]), int(trailer[7:19])
    if count != len(transfers) or total != sum(t.amount for t in transfers):
        raise ZenginError("トレーラの合計件数・合計金額がデータと一致しません。")
    return Parsed(header=header, transfers=transfers, count=count, total=total)
