"""Forms of the claim page: facts, contact log, diary date, tasks, line items, status moves."""

from decimal import Decimal

from django import forms

from claims.fields import (
    FutureDateField,
    JapaneseChoiceField,
    MinutesField,
    PastDateField,
    PremiumField,
    YenField,
)
from claims.models import (
    Claim,
    ClaimNote,
    ClientDamage,
    Expense,
    OvertimeEntry,
)
from claims.services import FACT_FIELDS
from claimsdesk.text import PlainTextForm
from coverage import vocab


class TaskForm(PlainTextForm, forms.Form):
    """A dated task (対応予定): what, for whom (default: the claim's handler), which day."""

    what = forms.CharField(
        label="対応内容",
        max_length=200,
        error_messages={
            "required": "対応内容を入力してください。",
            "max_length": "200 文字以内で入力してください (現在 %(show_value)d 文字)。",
        },
    )
    due_on = FutureDateField(
        label="対応日", error_messages={"required": "対応日を入力してください。"}
    )
    assignee = forms.TypedChoiceField(label="担当者", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, handlers=(), **kwargs):
        kwargs.setdefault("prefix", "task")
        super().__init__(*args, **kwargs)
        from claims.templatetags.claims_extras import person

        self.handlers = {h.pk: h for h in handlers}
        self.fields["assignee"].choices = [("", "事故の担当者")] + [
            (h.pk, person(h)) for h in handlers
        ]
        for name in ("what", "due_on", "assignee"):
            widget = self.fields[name].widget
            css = (
                "form-select form-select-sm"
                if name == "assignee"
                else "form-control form-control-sm"
            )
            widget.attrs.update({"class": css})
        self.fields["what"].widget.attrs.update(
            {"maxlength": 200, "placeholder": "例: 被保険者へ電話"}
        )

    def clean_assignee(self):
        pk = self.cleaned_data.get("assignee")
        return self.handlers.get(pk) if pk else None


class NextActionForm(PlainTextForm, forms.Form):
    """The claim's diary: the day to pick it up again and what for."""

    on = FutureDateField(
        label="次回対応日", error_messages={"required": "次回対応日を入力してください。"}
    )
    note = forms.CharField(
        label="内容",
        max_length=200,
        required=False,
        error_messages={
            "max_length": "200 文字以内で入力してください (現在 %(show_value)d 文字)。"
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "next")
        super().__init__(*args, **kwargs)
        self.fields["on"].widget.attrs.update(
            {"class": "form-control form-control-sm", "aria-label": "次回対応日"}
        )
        self.fields["note"].widget.attrs.update(
            {
                "class": "form-control form-control-sm",
                "aria-label": "次回対応の内容",
                "placeholder": "内容 (任意)",
                "maxlength": 200,
            }
        )


class ClaimFactsForm(PlainTextForm, forms.ModelForm):
    noticed_on = PastDateField(
        label="事故を知った日", error_messages={"required": "事故を知った日を入力してください。"}
    )
    description = forms.CharField(
        label="事故の概要",
        max_length=5000,  # as the accident report (claims.intake.forms) takes it
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": "5,000 文字以内で入力してください (現在 %(show_value)d 文字)。"
        },
    )

    class Meta:
        model = Claim
        fields = list(FACT_FIELDS)  # exactly what claim_update_facts accepts
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if data.get("own_cloud_service_free_promotional") and not data.get("own_cloud_service"):
            self.add_error(
                "own_cloud_service_free_promotional",
                "無償提供にチェックする場合は「クラウドサービスを提供」にもチェックしてください。",
            )
        return data


class ClaimNoteForm(PlainTextForm, forms.Form):
    """A contact-log entry (経過記録). Who and when are the server's, not the form's."""

    channel = JapaneseChoiceField(
        label="手段",
        choices=ClaimNote.Channel.choices,
        error_messages={"required": "手段を選んでください。"},
    )
    party = JapaneseChoiceField(
        label="相手",
        choices=ClaimNote.Party.choices,
        error_messages={"required": "相手を選んでください。"},
        help_text="Q8: 弊社は顧問先との交渉を代行しません (交渉が難航している旨の連絡は受けられます)。",
    )
    body = forms.CharField(
        label="内容",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "経過記録の内容を入力してください。",
            "max_length": "4,000 文字以内で入力してください (現在 %(show_value)d 文字)。",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "note")
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs["maxlength"] = 4000
        if self.is_bound and self.errors:
            # the page comes back from the POST at its top; focus scrolls to the error
            first = next(iter(self.errors))
            if first in self.fields:
                self.fields[first].widget.attrs["autofocus"] = True


# --- line items --------------------------------------------------------------------------


class _ItemForm(PlainTextForm, forms.ModelForm):
    """An item of `claim`. The claim's own-cloud-service facts decide (claims.facts): a cause
    or activity that presupposes a service the insured does not provide is a field error,
    and there is no per-item free-promotion box (the claim's fact applies)."""

    cause = JapaneseChoiceField(
        label="原因", choices=vocab.choices(vocab.CAUSES), initial=vocab.CAUSE_PROVIDER_ATTACK
    )

    def __init__(self, *args, claim=None, **kwargs):
        super().__init__(*args, **kwargs)
        if claim is not None:
            # The model's clean() judges the item against its claim's facts (claims.facts);
            # a new item knows its claim from here, so the refusal lands on the field.
            if self.instance.claim_id is None:
                self.instance.claim = claim
            self.fields["cause"].help_text = _service_fact_text(claim)

    def item_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


def _service_fact_text(claim) -> str:
    """What the claim says about the insured's own cloud service, next to the cause field."""
    if not claim.own_cloud_service:
        return "この事故: 被保険者はクラウドサービスを提供していません (「自社クラウド停止」は選べません)。"
    if claim.own_cloud_service_free_promotional:
        return "この事故: 被保険者のクラウドサービスは広告・販促目的の無償提供です (Q2〜Q4: 対象)。"
    return "この事故: 被保険者は顧問先へクラウドサービスを提供しています (停止に起因する損害は対象外)。"


class DamageForm(_ItemForm):
    kind = JapaneseChoiceField(label="損害の種類", choices=vocab.choices(vocab.DAMAGE_KINDS))
    activity = JapaneseChoiceField(
        label="業務の性質",
        choices=vocab.choices(vocab.ACTIVITIES),
        initial=vocab.ACTIVITY_IT_USER_ACT,
    )
    claimed = YenField(label="請求額 (円)")
    recognized = YenField(label="認定額 (円)", required=False, help_text="空欄なら請求額と同額")
    cut_reason_code = JapaneseChoiceField(
        label="減額理由の区分",
        choices=[("", "(任意)"), *vocab.choices(vocab.CUT_REASONS)],
        required=False,
    )
    cut_reason = forms.CharField(
        label="減額の理由",
        max_length=500,
        required=False,
        help_text="認定額が請求額を下回るときは必須",
        error_messages={
            "max_length": "500 文字以内で入力してください (現在 %(show_value)d 文字)。"
        },
    )

    class Meta:
        model = ClientDamage
        fields = [
            "client_name",
            "kind",
            "description",
            "claimed",
            "recognized",
            "cut_reason_code",
            "cut_reason",
            "legally_liable",
            "activity",
            "cause",
        ]
        error_messages = {"client_name": {"required": "顧問先を入力してください。"}}

    def clean(self):
        data = super().clean()
        claimed, recognized = data.get("claimed"), data.get("recognized")
        if claimed is not None and recognized is None and "recognized" not in self.errors:
            data["recognized"] = recognized = claimed
        if claimed is not None and recognized is not None and recognized > claimed:
            self.add_error("recognized", "認定額は請求額を超えられません。")
        # 認定額 < 請求額 without a reason: ClientDamage.clean() puts the error on cut_reason
        elif claimed is not None and recognized == claimed:
            # nothing cut: a reason left from an earlier cut would explain nothing
            data["cut_reason"], data["cut_reason_code"] = "", ""
        return data


class ExpenseForm(_ItemForm):
    category = JapaneseChoiceField(label="費目", choices=vocab.choices(vocab.EXPENSE_CATEGORIES))
    amount = YenField(label="金額 (円)")
    incurred_on = PastDateField(label="支出日", required=False)

    class Meta:
        model = Expense
        fields = [
            "category",
            "description",
            "amount",
            "incurred_on",
            "cause",
        ]


class OvertimeForm(_ItemForm):
    minutes = MinutesField(label="超過勤務 (分)")
    hourly_rate = YenField(label="時間単価 (円)")
    premium = PremiumField(label="割増率", initial=Decimal(vocab.DEFAULT_PREMIUM))
    task = JapaneseChoiceField(
        label="業務内容", choices=vocab.choices(vocab.TASKS), initial=vocab.TASK_INCIDENT_RESPONSE
    )
    work_date = PastDateField(label="勤務日", required=False)
    evidence = forms.MultipleChoiceField(
        label="確認済みの証憑 (Q5)",
        choices=vocab.choices(vocab.EVIDENCE_KINDS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "証憑の種類を選択肢から選んでください。"},
        help_text="ファイルを登録した種類はチェック不要です (登録済みとして数えます)。",
    )
    evidence_note = forms.CharField(
        label="ファイルなしで確認した証憑の確認方法",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="ファイルのない証憑にチェックする場合は必須 (例: 賃金台帳の原本を来社時に確認)。",
        error_messages={
            "max_length": "2,000 文字以内で入力してください (現在 %(show_value)d 文字)。"
        },
    )

    class Meta:
        model = OvertimeEntry
        fields = [
            "employee",
            "work_date",
            "minutes",
            "hourly_rate",
            "premium",
            "task",
            "overtime_eligible",
            "evidence",
            "evidence_note",
            "cause",
        ]
        error_messages = {"employee": {"required": "従業員名を入力してください。"}}

    def clean_evidence(self):
        chosen = set(self.cleaned_data.get("evidence") or [])
        return [kind for kind in vocab.EVIDENCE_KINDS if kind in chosen]

    def clean(self):
        # A tick with no file needs a note: OvertimeEntry.clean() says so next to the field.
        data = super().clean()
        data["evidence_note"] = (data.get("evidence_note") or "").strip()
        return data


ITEM_FORMS = {"damages": DamageForm, "expenses": ExpenseForm, "overtime": OvertimeForm}


# --- status and assignment ---------------------------------------------------------------


class TransitionForm(PlainTextForm, forms.Form):
    action = forms.CharField()
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
