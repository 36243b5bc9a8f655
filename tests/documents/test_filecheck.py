"""Content sniffing: types by magic bytes and structure, never by name; hostile files refused."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from documents import filecheck
from documents.filecheck import FileRejected, clean_filename, sniff
from tests.documents import hostile


def kind_of(data: bytes, name: str) -> str:
    return sniff(io.BytesIO(data), name=name).content_type


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (hostile.PDF_BYTES, "a.pdf", filecheck.PDF),
        (hostile.png_bytes(), "a.png", filecheck.PNG),
        (hostile.JPEG_BYTES, "a.jpg", filecheck.JPEG),
        (hostile.ooxml("xlsx"), "a.xlsx", filecheck.XLSX),
        (hostile.ooxml("docx"), "a.docx", filecheck.DOCX),
        (hostile.CSV_UTF8, "a.csv", filecheck.CSV),
        (hostile.CSV_SJIS, "勤怠.csv", filecheck.CSV),
    ],
)
def test_real_files_are_recognised_by_content(data, name, expected):
    assert kind_of(data, name) == expected


def test_the_name_does_not_decide_the_type():
    # a real PNG named .pdf is a PNG (served as one), never a PDF
    assert kind_of(hostile.png_bytes(), "scan.pdf") == filecheck.PNG
    assert kind_of(hostile.PDF_BYTES, "noext") == filecheck.PDF


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (hostile.HTML_BYTES, "invoice.pdf", "名前の形式と一致しない"),
        (hostile.SVG_BYTES, "invoice.pdf", "名前の形式と一致しない"),
        (hostile.HTML_BYTES, "invoice.csv", "HTML・XML・SVG"),
        (hostile.SVG_BYTES, "table.csv", "HTML・XML・SVG"),
        (hostile.PE_BYTES, "photo.png", "(exe) は受け付けられません"),
        (hostile.zip_bomb_xlsx(), "勤怠.xlsx", "zip bomb"),
        (hostile.plain_zip(), "book.xlsx", "Excel (xlsx)・Word (docx) ではありません"),
        (b"PK\x03\x04garbage", "book.xlsx", "壊れている"),
        (b"", "empty.pdf", "0バイト"),
        (b"a,b\x00c\n", "data.csv", "NUL"),
        (b"\xff\xfe\xfa\xfb\xfc" * 10, "data.csv", "文字コード"),
    ],
)
def test_hostile_files_are_refused_with_a_japanese_reason(data, name, message):
    with pytest.raises(FileRejected) as exc:
        sniff(io.BytesIO(data), name=name)
    assert message in str(exc.value)


def test_macro_workbooks_are_refused():
    data = hostile.ooxml("xlsx", extra={"xl/vbaProject.bin": b"\x00" * 10})
    with pytest.raises(FileRejected, match="マクロ"):
        sniff(io.BytesIO(data), name="book.xlsm")


def test_zip_entry_count_is_capped(monkeypatch):
    monkeypatch.setattr(filecheck, "ZIP_MAX_ENTRIES", 3)
    data = hostile.ooxml("docx", extra={f"word/media/{i}.xml": "<x/>" for i in range(5)})
    with pytest.raises(FileRejected, match="項目数が多すぎる"):
        sniff(io.BytesIO(data), name="a.docx")


def test_sniff_rewinds_the_file():
    f = io.BytesIO(hostile.ooxml("xlsx"))
    sniff(f, name="a.xlsx")
    assert f.tell() == 0


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
        ("in\x00voi\x1bce\r\n.pdf", "invoice.pdf"),
        ("report\u202efdp.exe", "reportfdp.exe"),  # no right-to-left override trick
        ("損害明細_株式会社A.pdf", "損害明細_株式会社A.pdf"),
        ("..", "file.pdf"),
        ("", "file.pdf"),
    ],
)
def test_clean_filename(raw, clean):
    assert clean_filename(raw, fallback_ext=".pdf") == clean


def test_long_names_are_cut_to_255_keeping_the_extension():
    name = clean_filename("あ" * 400 + ".xlsx")
    assert len(name) == 255
    assert name.endswith(".xlsx")
    assert clean_filename("x" * 300)[:5] == "xxxxx"
    assert len(clean_filename("x" * 300)) == 255


@settings(max_examples=300, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=600),
        st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b),
        st.binary(max_size=300).map(lambda b: b"%PDF" + b),
        st.binary(max_size=300).map(lambda b: hostile.ooxml("xlsx")[:200] + b),
    ),
    name=st.sampled_from(["a.csv", "a.pdf", "a.xlsx", "noext", "a.txt"]),
)
def test_any_bytes_are_accepted_or_refused_never_crash(data, name):
    try:
        result = sniff(io.BytesIO(data), name=name)
    except FileRejected as exc:
        assert str(exc)
    else:
        assert result.content_type in filecheck.EXTENSIONS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_name_cleans_to_a_plain_short_name(raw):
    name = clean_filename(raw)
    assert 0 < len(name) <= 255
    assert "/" not in name and "\\" not in name
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in name)
    assert name not in {".", ".."}
