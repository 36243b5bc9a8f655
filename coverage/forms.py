"""Admin forms for plans and sub-limits: yen amounts as people write them, and a reason.

Amounts read and accept yen with thousands separators ("100,000,000", full-width digits,
a trailing 円); a separator in the wrong place ("1,5", "10,00,000") is a field error, never
a silently different amount. Changing a plan that claims rest on needs a reason: it goes
into the plan's history and into the timeline of every claim whose payable amount changes.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms

from coverage.models import ExpenseSublimit, Plan
from coverage.validation import MAX_YEN

_PLAIN = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")


class YenField(forms.Field):
    """Whole yen, shown and accepted with separators: 100,000,000."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "class": "vTextField"})
    default_error_messages = {
        "invalid": "金額は半角数字で、桁区切りのカンマは3桁ごとに入力してください (例: 100,000,000)。",
        "max": f"金額は {MAX_YEN:,}円 以下で入力してください。",
    }

    def prepare_value(self, value):
        if isinstance(value, int):
            return f"{value:,}"
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            text = str(value)
        else:
            text = unicodedata.normalize("NFKC", str(value)).strip()
            text = text.removesuffix("円").strip()
        if not (_PLAIN.fullmatch(text) or _GROUPED.fullmatch(text)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        amount = int(text.replace(",", ""))
        if amount > MAX_YEN:
            raise forms.ValidationError(self.error_messages["max"], code="max")
        return amount


def _reason_field(help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label="変更理由",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=help_text,
    )


REASON_REQUIRED = "変更理由を入力してください (再査定される事故の履歴に残ります)。"


class ReasonRequiredOnChange(forms.ModelForm):
    """A ModelForm whose `change_reason` is required once the object exists (always, with
    `reason_always`). The admin sets `reason_help` (what saving will re-assess) per request
    on a subclass (coverage.admin, claims.admin)."""

    reason_always = False
    reason_help = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["change_reason"]
        field.required = self._reason_needed()
        field.error_messages["required"] = REASON_REQUIRED
        if self.reason_help:
            field.help_text = self.reason_help

    def _reason_needed(self) -> bool:
        return self.reason_always or self.instance.pk is not None

    def clean_change_reason(self):
        reason = (self.cleaned_data.get("change_reason") or "").strip()
        if self._reason_needed() and not reason:
            raise forms.ValidationError(REASON_REQUIRED)
        return reason


class PlanAdminForm(ReasonRequiredOnChange):
    liability_limit = YenField(label="賠償 支払限度額 (円)")
    expense_limit = YenField(label="費用 支払限度額 (円)")
    change_reason = _reason_field()

    class Meta:
        model = Plan
        fields = ["code", "name", "liability_limit", "expense_limit", "leak_only"]


class SublimitInlineForm(forms.ModelForm):
    limit = YenField(label="費目別限度額 (円)")

    class Meta:
        model = ExpenseSublimit
        fields = ["category", "limit"]


class SublimitAdminForm(ReasonRequiredOnChange):
    reason_always = True  # a new sub-limit cuts the plan's claims as much as a changed one
    limit = YenField(label="費目別限度額 (円)")
    change_reason = _reason_field()

    class Meta:
        model = ExpenseSublimit
        fields = ["plan", "category", "limit"]
