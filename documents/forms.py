from django import forms

from claimsdesk.text import PlainTextForm
from documents import services

ALL_OVERTIME = "o*"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type=file multiple>; checked by the service, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        files = [f for f in items if f]
        if not files and self.required:
            raise forms.ValidationError("ファイルを選んでください。", code="required")
        return files


class UploadForm(PlainTextForm, forms.Form):
    files = MultipleFileField(label="ファイル (複数選択可)")
    kind = forms.ChoiceField(
        label="書類の種類",
        choices=[("", "選んでください")] + services.UPLOAD_KINDS,
        error_messages={"required": "書類の種類を選んでください。"},
    )
    target = forms.ChoiceField(
        label="対象 (任意)",
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(
        self, *args, claim, damages, overtime, approved_only=False, per_file=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.claim = claim
        self.per_file = per_file
        if per_file:  # each file brings its own kind_N / target_N (per_file_rows)
            self.fields["kind"].required = False
        self._damages = {f"d{d.pk}": d for d in damages}
        self._overtime = {f"o{o.pk}": o for o in overtime}
        from documents.checklist import CLAIM_STAGE_KINDS, overtime_target

        if approved_only:
            self.fields["kind"].choices = [("", "選んでください")] + [
                (k, label) for k, label in services.UPLOAD_KINDS if k in CLAIM_STAGE_KINDS
            ]
        choices = [("", "事故全体")]
        if damages:
            choices.append(
                (
                    "顧問先の損害",
                    [
                        (k, f"{d.client_name} {d.description}".strip())
                        for k, d in self._damages.items()
                    ],
                )
            )
        if overtime:
            group = [(k, overtime_target(o)) for k, o in self._overtime.items()]
            if len(overtime) > 1:
                group.append((ALL_OVERTIME, "すべての超過勤務 (賃金台帳など共通の書類)"))
            choices.append(("超過勤務", group))
        self.fields["target"].choices = choices

    def links(self, target=None):
        """(damage, [overtime entries]) of the chosen target (or of `target`, a choice value)."""
        if target is None:
            target = self.cleaned_data.get("target") or ""
        if target in self._damages:
            return self._damages[target], []
        if target == ALL_OVERTIME:
            return None, list(self._overtime.values())
        if target in self._overtime:
            return None, [self._overtime[target]]
        return None, []

    def per_file_rows(self):
        """The batch as services.UploadRow, one per file with its own kind_N and target_N
        (N = the file's position), and the field errors: [(file name, message, field)]."""
        from documents.filecheck import clean_filename

        rows, errors = [], []
        kinds = dict(self.fields["kind"].choices)
        for n, upload in enumerate(self.cleaned_data["files"]):
            name = clean_filename(getattr(upload, "name", ""))
            kind = (self.data.get(f"kind_{n}") or "").strip()
            target = (self.data.get(f"target_{n}") or "").strip()
            if not kind or kind not in kinds:
                errors.append((name, "書類の種類を選んでください。", f"kind_{n}"))
                continue
            if target and target != ALL_OVERTIME and target not in self._damages | self._overtime:
                errors.append((name, "対象を選び直してください。", f"target_{n}"))
                continue
            if target == ALL_OVERTIME and not self._overtime:
                errors.append((name, "対象を選び直してください。", f"target_{n}"))
                continue
            damage, entries = self.links(target)
            rows.append(services.UploadRow(upload, kind, damage, tuple(entries)))
        return rows, errors


class ReclassifyForm(PlainTextForm, forms.Form):
    """種類・対象を変更 of one stored document."""

    kind = forms.ChoiceField(
        label="書類の種類",
        choices=services.UPLOAD_KINDS,
        error_messages={
            "required": "書類の種類を選んでください。",
            "invalid_choice": "書類の種類を選んでください。",
        },
    )
    target = forms.ChoiceField(label="対象", required=False)
    reason = forms.CharField(label="変更の理由 (任意)", required=False, max_length=200)

    def __init__(self, *args, damages, overtime, **kwargs):
        super().__init__(*args, **kwargs)
        self._damages = {f"d{d.pk}": d for d in damages}
        self._overtime = {f"o{o.pk}": o for o in overtime}
        self.fields["target"].choices = [("", "事故全体")] + [
            (k, "") for k in [*self._damages, *self._overtime]
        ]
        self.fields["target"].error_messages["invalid_choice"] = "対象を選び直してください。"

    def links(self):
        """(damage, overtime entry) of the chosen target."""
        target = self.cleaned_data.get("target") or ""
        return self._damages.get(target), self._overtime.get(target)


class DeleteForm(PlainTextForm, forms.Form):
    reason = forms.CharField(
        label="削除理由",
        max_length=300,
        error_messages={"required": "削除理由を入力してください。"},
    )


class RequestForm(PlainTextForm, forms.Form):
    message = forms.CharField(
        label="連絡事項 (任意)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "連絡事項は2000文字以内で入力してください。"},
    )
    due_on = forms.DateField(
        label="回答期限 (任意)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "回答期限は日付 (例: 2026-12-15) で入力してください。"},
    )
