from django import forms

from claimsdesk.text import PlainTextForm
from payments.models import BankAccount


class Styled:
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class AccountForm(Styled, PlainTextForm, forms.Form):
    bank_code = forms.CharField(
        label="金融機関コード",
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    branch_code = forms.CharField(
        label="支店コード",
        max_length=3,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    account_type = forms.ChoiceField(label="預金種目", choices=BankAccount.Type.choices)
    account_number = forms.CharField(
        label="口座番号",
        max_length=7,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    holder = forms.CharField(label="口座名義 (カタカナ)", max_length=60)


class BatchForm(Styled, forms.Form):
    transfer_date = forms.DateField(
        label="振込指定日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "振込指定日を正しい日付で入力してください。"},
    )


class PaidForm(Styled, PlainTextForm, forms.Form):
    paid_on = forms.DateField(
        label="支払日 (銀行の振込日)",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "支払日を正しい日付で入力してください。"},
    )
    reference = forms.CharField(label="振込参照番号", max_length=100)


class ReasonForm(Styled, PlainTextForm, forms.Form):
    reason = forms.CharField(label="理由", max_length=2000)


class ReturnForm(Styled, PlainTextForm, forms.Form):
    returned_on = forms.DateField(
        label="返却日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "返却日を正しい日付で入力してください。"},
    )
    reason = forms.CharField(label="返却の理由 (組戻し・資金返却)", max_length=2000)
