"""The 総合振込 file against records laid out by hand from the published 全銀協 layout."""

import datetime

import pytest

from payments import zengin

HEADER = zengin.Header(
    requester_code="12345",
    requester_name="ｻｲﾊﾞ-ｿﾝｶﾞｲﾎｹﾝ(ｶ",
    transfer_date=datetime.date(2026, 4, 15),
    bank_code="0001",
    bank_name="ﾐｽﾞﾎ",
    branch_code="1",
    branch_name="ﾄｳｷﾖｳ",
    account_type="1",
    account_number="765432",
)


def transfers():
    return [
        zengin.Transfer(
            bank_code="0005",
            bank_name="ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ",
            branch_code="001",
            branch_name="ﾎﾝﾃﾝ",
            account_type="1",
            account_number="0012345",
            holder=zengin.to_zengin_kana("ヤマダ　タロウ"),
            amount=1_248_000,
            customer_code1="17",
        ),
        zengin.Transfer(
            bank_code="0009",
            bank_name="ﾐﾂｲｽﾐﾄﾓ",
            branch_code="123",
            branch_name="ｼﾝｼﾞﾕｸ",
            account_type="2",
            account_number="7654321",
            holder=zengin.to_zengin_kana("しゃかいほけんろうむしほうじん　きっと"),
            amount=52_000,
            customer_code1="18",
        ),
    ]


def sjis(text):
    return text.encode("cp932")


# Laid out field by field from the layout (N: right-aligned, zero-filled; C: left-aligned,
# space-filled), each record 120 bytes followed by CR LF.
EXPECTED = [
    # 1 | 21 | 0 | 依頼人コード(10) | 依頼人名(40) | MMDD | 銀行(4) | 銀行名(15) | 支店(3)
    # | 支店名(15) | 種目(1) | 口座(7) | ダミー(17)
    b"1"
    + b"21"
    + b"0"
    + b"0000012345"
    + sjis("ｻｲﾊﾞ-ｿﾝｶﾞｲﾎｹﾝ(ｶ")
    + b" " * 25  # 15 bytes: ﾊﾞ is ﾊ and ﾞ
    + b"0415"
    + b"0001"
    + sjis("ﾐｽﾞﾎ")
    + b" " * 11
    + b"001"
    + sjis("ﾄｳｷﾖｳ")
    + b" " * 10
    + b"1"
    + b"0765432"
    + b" " * 17,
    # 2 | 銀行(4) | 銀行名(15) | 支店(3) | 支店名(15) | 手形交換所(4) | 種目 | 口座(7)
    # | 受取人(30) | 金額(10) | 新規 | 顧客1(10) | 顧客2(10) | 指定区分 | 識別 | ダミー(7)
    b"2"
    + b"0005"
    + sjis("ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ")
    + b" " * 2
    + b"001"
    + sjis("ﾎﾝﾃﾝ")
    + b" " * 11
    + b"0000"
    + b"1"
    + b"0012345"
    + b"\xd4\xcf\xc0\xde \xc0\xdb\xb3"
    + b" " * 22  # ﾔﾏﾀﾞ ﾀﾛｳ: one byte each
    + b"0001248000"
    + b"0"
    + b"0000000017"
    + b"0000000000"
    + b" "
    + b" "
    + b" " * 7,
    b"2"
    + b"0009"
    + sjis("ﾐﾂｲｽﾐﾄﾓ")
    + b" " * 8
    + b"123"
    + sjis("ｼﾝｼﾞﾕｸ")
    + b" " * 9
    + b"0000"
    + b"2"
    + b"7654321"
    # small kana become large, as banks print them: ｼﾔｶｲﾎｹﾝﾛｳﾑｼﾎｳｼﾞﾝ ｷﾂﾄ (20 bytes)
    + sjis("ｼﾔｶｲﾎｹﾝﾛｳﾑｼﾎｳｼﾞﾝ ｷﾂﾄ")
    + b" " * 10
    + b"0000052000"
    + b"0"
    + b"0000000018"
    + b"0000000000"
    + b" "
    + b" "
    + b" " * 7,
    # 8 | 合計件数(6) | 合計金額(12) | ダミー(101)
    b"8" + b"000002" + b"000001300000" + b" " * 101,
    # 9 | ダミー(119)
    b"9" + b" " * 119,
]


def test_the_file_is_byte_for_byte_the_published_layout():
    data = zengin.build(HEADER, transfers())
    assert [len(r) for r in EXPECTED] == [120] * 5
    assert data == b"".join(r + b"\r\n" for r in EXPECTED)
    assert len(data) == 5 * 122
    assert b"\xb6" in data  # ｶ is the single byte 0xB6 in Shift_JIS (JIS X 0201 katakana)


def test_a_parser_reads_back_what_was_written_with_or_without_line_ends():
    data = zengin.build(HEADER, transfers())
    for blob in (data, data.replace(b"\r\n", b"")):
        parsed = zengin.parse(blob, year=2026)
        assert parsed.transfers == transfers()
        assert (parsed.count, parsed.total) == (2, 1_300_000)
        assert parsed.header["transfer_date"] == datetime.date(2026, 4, 15)
        assert parsed.header["requester_name"] == "ｻｲﾊﾞ-ｿﾝｶﾞｲﾎｹﾝ(ｶ"


def test_the_parser_refuses_a_trailer_that_does_not_add_up():
    data = bytearray(zengin.build(HEADER, transfers()))
    trailer = data.index(b"\r\n8") + 2
    data[trailer + 1 : trailer + 7] = b"000003"
    with pytest.raises(zengin.ZenginError, match="合計件数"):
        zengin.parse(bytes(data), year=2026)


@pytest.mark.parametrize(
    "typed, bank",
    [
        ("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("やまだ はなこ", "ﾔﾏﾀﾞ ﾊﾅｺ"),
        ("ｶ)ﾔﾏﾀﾞ", "ｶ)ﾔﾏﾀﾞ"),
        ("カ）エービーシー", "ｶ)ｴ-ﾋﾞ-ｼ-"),
        ("ｋｋ　ａｂｃ", "KK ABC"),
    ],
)
def test_names_become_the_half_width_katakana_banks_take(typed, bank):
    assert zengin.to_zengin_kana(typed) == bank
    assert zengin.refused_characters(bank) == []


def test_characters_banks_refuse_are_named():
    assert zengin.refused_characters(zengin.to_zengin_kana("ヤマダ商事・本店")) == [
        "商",
        "事",
        "･",
        "本",
        "店",
    ]
