"""Form pieces the desk's screens share. Every field validates server-side with a Japanese message.

Money fields accept "1,234", "１２３４" and "1,234円" (commas every three digits, full-width
digits and a trailing 円; "1,5" is refused, not read as 15); anything else that is not a whole,
non-negative number of yen is refused next to the field.
"""

import re
import unicodedata
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from claims.models import (
    MAX_MINUTES,
    MAX_YEN,
)

_DIGITS = re.compile(r"^[0-9]+$")
_DECIMAL = re.compile(r"^[0-9]*\.[0-9]+$|^[0-9]+\.$")


_GROUPED = re.compile(r"^[-−]?[0-9]{1,3}(?:[, ][0-9]{3})+$")


def _normalize_number(value) -> str:
    """NFKC, no 円, no thousands separators; None when a separator is misplaced ("1,5" is
    a typo, not 15, and "1,500" is 1500)."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if text.endswith("円"):
        text = text[:-1].rstrip()
    if ("," in text or " " in text) and not _GROUPED.match(text):
        return None
    return text.replace(",", "").replace(" ", "")


class YenField(forms.Field):
    """A whole, non-negative number of yen up to MAX_YEN."""

    widget = forms.TextInput(
        attrs={"inputmode": "numeric", "class": "text-end", "autocomplete": "off"}
    )
    default_error_messages = {
        "required": "金額を入力してください。",
        "invalid": "金額は円単位の整数で入力してください (例: 120,000)。",
        "negative": "金額にマイナスは入力できません。",
        "fraction": "円未満の端数は入力できません。整数で入力してください。",
        "too_large": f"金額は {MAX_YEN:,} 円以下で入力してください。",
        "separator": "桁区切りのカンマの位置が正しくありません。3桁ごとに区切るか、"
        "区切らずに入力してください (例: 1,500 または 1500)。",
    }

    def __init__(self, *, max_value=MAX_YEN, **kwargs):
        self.max_value = max_value
        super().__init__(**kwargs)

    def to_python(self, value):
        text = _normalize_number(value)
        if text is None:
            raise forms.ValidationError(self.error_messages["separator"], code="separator")
        if text in self.empty_values:
            return None
        if text.startswith("-") or text.startswith("−"):
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if not _DIGITS.match(text):
            # only a decimal fraction ("1.5") is told so; "1e3", "NaN" or digits of other
            # scripts (which Decimal reads) are not a yen amount as typed
            code = "fraction" if _DECIMAL.match(text) else "invalid"
            raise forms.ValidationError(self.error_messages[code], code=code)
        number = int(text)
        if number > self.max_value:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        return number

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return value


class MinutesField(YenField):
    widget = forms.TextInput(
        attrs={"inputmode": "numeric", "class": "text-end", "autocomplete": "off"}
    )
    default_error_messages = {
        "required": "時間 (分) を入力してください。",
        "invalid": "時間は分単位の整数で入力してください (例: 150)。",
        "negative": "時間にマイナスは入力できません。",
        "fraction": "分未満の端数は入力できません。整数で入力してください。",
        "too_large": f"時間は 0〜{MAX_MINUTES:,} 分の範囲で入力してください。",
        "separator": "桁区切りのカンマの位置が正しくありません (例: 1,500 または 1500)。",
    }

    def __init__(self, **kwargs):
        super().__init__(max_value=MAX_MINUTES, **kwargs)


class PastDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {"invalid": "日付を YYYY-MM-DD の形式で入力してください。"}

    def validate(self, value):
        super().validate(value)
        if value and value > timezone.localdate():
            raise forms.ValidationError("未来の日付は入力できません。", code="future")


class FutureDateField(forms.DateField):
    """Today or later (a diary date)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {"invalid": "日付を YYYY-MM-DD の形式で入力してください。"}

    def validate(self, value):
        super().validate(value)
        if value and value < timezone.localdate():
            raise forms.ValidationError("今日以降の日付を入力してください。", code="past")


class PremiumField(forms.Field):
    """The overtime premium as the `assess` contract takes it (claims.premium): "1.25",
    "1.255", "1.3333", "1.250"; at least 1, up to 12 decimals."""

    widget = forms.TextInput(
        attrs={"inputmode": "decimal", "class": "text-end", "autocomplete": "off"}
    )
    default_error_messages = {"required": "割増率を入力してください (例: 1.25)。"}

    def to_python(self, value):
        from claims.premium import PremiumError, parse_premium

        if value in self.empty_values or not str(value).strip():
            return None
        try:
            return parse_premium(value)
        except PremiumError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None

    def prepare_value(self, value):
        from claims.premium import format_premium

        if isinstance(value, Decimal):
            return format_premium(value)
        return value


class JapaneseChoiceField(forms.ChoiceField):
    default_error_messages = {"invalid_choice": "選択肢から選んでください。"}


def handler_choices():
    """Users in the handler group, for assignment and the queue's handler filter."""
    return list(
        get_user_model()
        .objects.filter(groups__name="handler", is_active=True)
        .order_by("username")
        .only("id", "username", "first_name", "last_name")
    )
