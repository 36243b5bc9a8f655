"""What an uploaded file really is, decided by its content (OWASP ASVS V12.1/V12.2).

The browser's Content-Type and the user's filename are never trusted. We accept:

- PDF, PNG, JPEG: recognised by their magic bytes (the `filetype` package);
- xlsx, docx: a real OOXML zip: its central directory is read with `zipfile.infolist()`
  (nothing is extracted) and must hold `[Content_Types].xml` naming a workbook or a Word
  document; the entry count, the total uncompressed size and the compression ratio are
  capped so a zip bomb is refused before anything downstream unpacks it; macro projects
  (vbaProject.bin) and encrypted entries are refused;
- csv: text with no magic bytes, so the name must end in .csv (or .txt) and the content must
  be UTF-8 or Shift_JIS/CP932 without NUL bytes and must not look like HTML, XML or SVG.

Everything else is refused with a Japanese message the handler can act on.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv"

EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", XLSX: ".xlsx", DOCX: ".docx", CSV: ".csv"}
LABELS = {PDF: "PDF", PNG: "PNG画像", JPEG: "JPEG画像", XLSX: "Excel", DOCX: "Word", CSV: "CSV"}
# Shown inline by the preview view; everything else is always an attachment.
INLINE_TYPES = frozenset({PDF, PNG, JPEG})
ALLOWED_TEXT = "PDF・PNG・JPEG・Excel (xlsx)・Word (docx)・CSV"

# Zip-bomb guards for OOXML files (a real office file is far below each of them).
ZIP_MAX_ENTRIES = 2_000
ZIP_MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM = 1024 * 1024  # small parts of real files can compress very well
ZIP_MAX_CONTENT_TYPES_BYTES = 1024 * 1024

_HEAD_BYTES = 8192
_ZIP_GUESSES = {"application/zip", XLSX, DOCX}
_MAIN_PART = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
}
_MARKUP = re.compile(rb"^\s*<(?:!doctype|\?xml|html|svg|script|head|body|iframe|!--)", re.I)


class FileRejected(Exception):
    """The file is not accepted; str(exc) is the Japanese reason."""


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    label: str


def sniff(fileobj, *, name: str = "") -> Sniffed:
    """The accepted type of an open binary file (rewound afterwards) or FileRejected."""
    fileobj.seek(0)
    head = fileobj.read(_HEAD_BYTES)
    fileobj.seek(0)
    if not head:
        raise FileRejected("空のファイル (0バイト) は受け付けられません。")
    try:
        guess = filetype.guess(head)
    except Exception:  # noqa: BLE001 - a sniffer crash on hostile bytes is a refusal
        guess = None
    mime = guess.mime if guess else None
    if mime in (PDF, PNG, JPEG):
        return Sniffed(mime, LABELS[mime])
    if mime in _ZIP_GUESSES or head.startswith(b"PK\x03\x04"):
        kind = _ooxml_kind(fileobj)
        fileobj.seek(0)
        return Sniffed(kind, LABELS[kind])
    if mime is not None:
        raise FileRejected(
            f"このファイルの形式 ({guess.extension}) は受け付けられません。"
            f"受け付ける形式: {ALLOWED_TEXT}。"
        )
    _check_csv(fileobj, head, name)
    fileobj.seek(0)
    return Sniffed(CSV, LABELS[CSV])


def _ooxml_kind(fileobj) -> str:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as zf:
            infos = zf.infolist()
            if len(infos) > ZIP_MAX_ENTRIES:
                raise FileRejected(
                    "圧縮ファイル内の項目数が多すぎるため受け付けられません (zip bomb の疑い)。"
                )
            total = 0
            names = set()
            for info in infos:
                if info.flag_bits & 0x1:
                    raise FileRejected(
                        "パスワード付き (暗号化) のファイルは受け付けられません。"
                        "パスワードを外して送付を依頼してください。"
                    )
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                bomb_like = info.file_size > ZIP_RATIO_FROM and ratio > ZIP_MAX_RATIO
                if total > ZIP_MAX_TOTAL_UNCOMPRESSED or bomb_like:
                    raise FileRejected(
                        "展開後のサイズが異常に大きいため受け付けられません (zip bomb の疑い)。"
                    )
                names.add(info.filename)
            if "[Content_Types].xml" not in names:
                raise FileRejected(
                    "ZIP 形式のファイルですが Excel (xlsx)・Word (docx) ではありません。"
                    f"受け付ける形式: {ALLOWED_TEXT}。"
                )
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise FileRejected("マクロ付きのファイルは受け付けられません。")
            with zf.open("[Content_Types].xml") as part:
                content_types = part.read(ZIP_MAX_CONTENT_TYPES_BYTES + 1)
    except FileRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, KeyError):
        raise FileRejected(
            "ファイルが壊れているか、Excel (xlsx)・Word (docx) として読み取れません。"
        ) from None
    if len(content_types) > ZIP_MAX_CONTENT_TYPES_BYTES:
        raise FileRejected("Excel (xlsx)・Word (docx) として読み取れません。")
    for kind, main in _MAIN_PART.items():
        if main.encode() in content_types:
            return kind
    raise FileRejected(
        "Office 形式のファイルですが Excel (xlsx)・Word (docx) ではありません (マクロ付きや"
        f"その他の形式は不可)。受け付ける形式: {ALLOWED_TEXT}。"
    )


def _check_csv(fileobj, head: bytes, name: str) -> None:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in {"csv", "txt"}:
        raise FileRejected(
            "ファイルの内容が名前の形式と一致しないか、受け付けられない形式です"
            f"{' (.' + ext + ')' if ext else ''}。受け付ける形式: {ALLOWED_TEXT}。"
        )
    if _MARKUP.match(head.removeprefix(codecs.BOM_UTF8)):
        raise FileRejected(
            "HTML・XML・SVG などのファイルは受け付けられません。CSV は表のデータのみ可能です。"
        )
    decoders = [codecs.getincrementaldecoder(enc)() for enc in ("utf-8-sig", "cp932")]
    alive = [True, True]
    fileobj.seek(0)
    while chunk := fileobj.read(64 * 1024):
        if b"\x00" in chunk:
            raise FileRejected("CSV にバイナリデータ (NUL) が含まれているため受け付けられません。")
        for i, dec in enumerate(decoders):
            if alive[i]:
                try:
                    dec.decode(chunk)
                except UnicodeDecodeError:
                    alive[i] = False
        if not any(alive):
            break
    for i, dec in enumerate(decoders):
        if alive[i]:
            try:
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                alive[i] = False
    if not any(alive):
        raise FileRejected(
            "CSV の文字コードを読み取れません。UTF-8 または Shift_JIS で保存してください。"
        )


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
MAX_NAME = 255


def clean_filename(name: str, *, fallback_ext: str = "") -> str:
    """A display-safe original name: no path, no control or bidi characters, ≤255 chars.

    The extension is kept when the name is cut. Never used as a storage path.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name).strip().strip(".").strip()
    if not name:
        name = f"file{fallback_ext}"
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_NAME - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_NAME]
    return name


# Extensions a download may keep for each detected type; anything else is replaced by the
# type's own (EXTENSIONS), so a PDF polyglot named invoice.hta downloads as invoice.pdf.
_KEEP_EXTENSIONS = {
    PDF: {".pdf"},
    PNG: {".png"},
    JPEG: {".jpg", ".jpeg", ".jpe"},
    XLSX: {".xlsx"},
    DOCX: {".docx"},
    CSV: {".csv", ".txt"},
}


def name_for_type(name: str, content_type: str) -> str:
    """`name` with an extension that matches the detected content type: a wrong or
    missing one is replaced (invoice.hta → invoice.pdf, scan → scan.png), a right one kept.
    The result still fits MAX_NAME."""
    wanted = EXTENSIONS.get(content_type)
    if not wanted:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and "." + ext.lower() in _KEEP_EXTENSIONS.get(content_type, {wanted}):
        return name
    base = stem if dot and stem and 0 < len(ext) <= 10 else name
    base = base.rstrip(" .") or "file"
    if base.lower().endswith(wanted):  # report.pdf.exe → report.pdf, not report.pdf.pdf
        base = base[: -len(wanted)].rstrip(" .") or "file"
    return base[: MAX_NAME - len(wanted)].rstrip() + wanted
