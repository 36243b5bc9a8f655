"""The accident report (事故連絡票) form and its policy search."""

import unicodedata

from django import forms

from claims.fields import PastDateField
from claims.models import (
    Incident,
    Policy,
)
from claimsdesk.text import PlainTextForm


class PolicyChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "保険契約を一覧から選んでください。"}

    def label_from_instance(self, obj):
        insured = obj.insured
        return f"{insured.name} (登録番号 {insured.registration_number}) / 証券 {obj.number} / {obj.plan.name}"


class ClaimIntakeForm(PlainTextForm, forms.Form):
    """The Q1 accident report (事故連絡票)."""

    policy = PolicyChoiceField(
        label="被保険者・保険契約",
        queryset=Policy.objects.select_related("insured", "plan"),
        empty_label="(検索して選択してください)",
        error_messages={"required": "被保険者・保険契約を選んでください。"},
    )
    incident = forms.ModelChoiceField(
        label="インシデント",
        queryset=Incident.objects.all(),
        empty_label=None,
        error_messages={
            "required": "インシデントを選んでください。",
            "invalid_choice": "インシデントを一覧から選んでください。",
        },
    )
    noticed_on = PastDateField(
        label="事故を知った日", error_messages={"required": "事故を知った日を入力してください。"}
    )
    description = forms.CharField(
        label="事故の概要",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
        help_text="何が起きたか、顧問先への影響、現在の対応状況など",
    )
    own_cloud_service = forms.BooleanField(
        label="被保険者自身が顧問先へクラウドサービスを提供している (Q2〜Q4)", required=False
    )
    own_cloud_service_free_promotional = forms.BooleanField(
        label="その提供は広告・宣伝・販売促進目的の無償提供である", required=False
    )
    direct_recovery_elected = forms.BooleanField(
        label="クラウド事業者へ直接補償を請求している (Q7: 保険金は請求できません)",
        required=False,
    )

    def __init__(self, *args, policy_query="", **kwargs):
        super().__init__(*args, **kwargs)
        # Render only a short list of options (the search narrows it); validation still
        # accepts any policy, so a chosen-then-filtered option never fails.
        self.policy_options = policy_search(policy_query)

    def clean(self):
        data = super().clean()
        if data.get("own_cloud_service_free_promotional") and not data.get("own_cloud_service"):
            self.add_error(
                "own_cloud_service_free_promotional",
                "無償提供にチェックする場合は「クラウドサービスを提供している」にもチェックしてください。",
            )
        return data


def policy_search(query: str, limit: int = 30):
    """Policies whose insured's name, registration number or policy number matches."""
    from django.db.models import Q

    qs = Policy.objects.select_related("insured", "plan").order_by("insured__name", "number")
    query = unicodedata.normalize("NFKC", query or "").replace("\x00", "").strip()[:100]
    if query:
        qs = qs.filter(
            Q(insured__name__icontains=query)
            | Q(insured__registration_number__startswith=query)
            | Q(number__icontains=query)
        )
    return list(qs[:limit])
