"""Forms of the approval page: approve, send back, reject, refunds, paid, extensions."""

from django import forms

from claims.approvals.versions import CHANGED
from claims.models import Claim
from claimsdesk.text import PlainTextForm

S = Claim.Status
QUEUE_PAGE_SIZE = 100


class ApproveForm(forms.Form):
    amount = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, error_messages={"invalid": "金額が不正です。"}
    )
    # claims.approvals.versions.claim_version of the page shown: the approval binds to what was seen
    version = forms.CharField(
        widget=forms.HiddenInput, max_length=64, error_messages={"required": CHANGED}
    )
    confirm = forms.BooleanField(
        label="上記の支払額を確認しました",
        error_messages={"required": "支払額を確認したらチェックを入れてください。"},
    )


class ReasonForm(PlainTextForm, forms.Form):
    reason = forms.CharField(
        label="理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "理由を入力してください。"},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("理由を入力してください。")
        return reason


class RecoverForm(ReasonForm):
    """Ask for an overpayment back: the amount seen, confirmed, and why."""

    amount = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, error_messages={"invalid": "金額が不正です。"}
    )
    confirm = forms.BooleanField(
        label="上記の返還請求額を確認しました",
        error_messages={"required": "返還請求額を確認したらチェックを入れてください。"},
    )


class SettleRecoveryForm(PlainTextForm, forms.Form):
    """A refund received (date, bank reference) or waived (date, reason)."""

    outcome = forms.ChoiceField(
        label="結果",
        choices=[("received", "返還を受けた"), ("waived", "返還を免除する")],
        error_messages={
            "required": "結果を選んでください。",
            "invalid_choice": "結果を選んでください。",
        },
    )
    on = forms.DateField(
        label="日付",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "日付を入力してください。", "invalid": "日付が不正です。"},
    )
    note = forms.CharField(label="入金参照番号・免除理由", max_length=300, required=False)


class MarkPaidForm(PlainTextForm, forms.Form):
    paid_on = forms.DateField(
        label="支払日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "支払日を入力してください。", "invalid": "日付が不正です。"},
    )
    reference = forms.CharField(
        label="支払参照番号",
        max_length=100,
        error_messages={"required": "振込番号などの参照番号を入力してください。"},
    )
    override_reason = forms.CharField(
        label="保険金請求書類が不足のまま支払済みにする理由",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ExtensionForm(ReasonForm):
    new_due_on = forms.DateField(
        label="新しい支払期限",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "新しい期限を入力してください。",
            "invalid": "日付が不正です。",
        },
    )
    correct = forms.BooleanField(label="誤った延長の訂正として記録する", required=False)
    field_order = ["new_due_on", "reason", "correct"]
