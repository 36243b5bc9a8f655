"""Supporting documents (Q1, Q5), document requests and PDF render jobs."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class DocumentKind(models.TextChoices):
    # Q1 【損害額の裏付書類】
    ACCIDENT_REPORT = "accident_report", "事故連絡票"
    DAMAGE_CLAIM = "damage_claim", "顧問先からの損害賠償請求書類 (請求書・明細)"
    SERVICE_CONTRACT = "service_contract", "顧問先との業務委託契約書"
    COST_STATEMENT = "cost_statement", "支出費用明細"
    # Q5 (1)-(3): the same codes as the engine's overtime evidence kinds
    ATTENDANCE_RECORD = "attendance_record", "勤怠記録"
    WAGE_BASIS = "wage_basis", "賃金台帳・給与計算資料"
    TASK_RECORD = "task_record", "業務日報・タスク管理表"
    # Q1 【保険金請求書類】
    CLAIM_FORM = "claim_form", "保険金請求書"
    SETTLEMENT_AGREEMENT = "settlement_agreement", "示談書・示談確認書"
    PAYMENT_RECORD = "payment_record", "支払明細 (出金の記録)"
    # Produced by the desk
    SETTLEMENT_SUMMARY = "settlement_summary", "支払内容のご案内 (PDF)"
    REQUEST_LETTER = "request_letter", "書類ご提出のお願い (PDF)"
    DAMAGE_LETTER = "damage_letter", "損害額のご案内 (PDF)"
    PAYMENT_LETTER = "payment_letter", "保険金お支払のご案内 (PDF)"
    OTHER = "other", "その他"


# Produced by the desk itself (#8), never uploaded: four eyes and the claim version leave
# them out (rendering a PDF changes no money).
DESK_KINDS = frozenset(
    {
        DocumentKind.SETTLEMENT_SUMMARY,
        DocumentKind.REQUEST_LETTER,
        DocumentKind.DAMAGE_LETTER,
        DocumentKind.PAYMENT_LETTER,
    }
)


def document_upload_to(instance, filename):
    """A generated name: never the user's filename (kept only as metadata)."""
    return f"claims/{instance.claim_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, related_name="documents", verbose_name="事故"
    )
    kind = models.CharField("書類の種類", max_length=30, choices=DocumentKind.choices)
    file = models.FileField(upload_to=document_upload_to, max_length=200, verbose_name="ファイル")
    original_name = models.CharField("元のファイル名", max_length=255)
    content_type = models.CharField(max_length=100, verbose_name="形式")
    size = models.PositiveBigIntegerField(verbose_name="サイズ (バイト)")
    sha256 = models.CharField(max_length=64, verbose_name="SHA-256")
    damage = models.ForeignKey(
        "claims.ClientDamage",
        verbose_name="対象の損害",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    overtime_entry = models.ForeignKey(
        "claims.OvertimeEntry",
        verbose_name="対象の超過勤務",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    render_version = models.PositiveIntegerField(null=True, blank=True, verbose_name="作成版")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登録者"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, verbose_name="登録日時")
    deleted_at = models.DateTimeField(null=True, blank=True, verbose_name="削除日時")
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="削除者",
    )
    delete_reason = models.CharField("削除理由", max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "書類"
        verbose_name_plural = "書類"
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["claim", "kind"], name="document_claim_kind_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "kind", "render_version"],
                condition=Q(render_version__isnull=False),
                name="document_one_render_per_version",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"


class DocumentRequest(models.Model):
    """What the desk asked the insured for, and when (Q1 step 3)."""

    claim = models.ForeignKey(
        "claims.Claim",
        on_delete=models.CASCADE,
        related_name="document_requests",
        verbose_name="事故",
    )
    items = models.JSONField("依頼した書類", default=list)
    message = models.TextField("連絡事項", blank=True)
    due_on = models.DateField("回答期限", null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="依頼者"
    )
    requested_at = models.DateTimeField(auto_now_add=True, verbose_name="依頼日時")
    fulfilled_at = models.DateTimeField(null=True, blank=True, verbose_name="充足日時")

    class Meta:
        verbose_name = "書類依頼"
        verbose_name_plural = "書類依頼"
        ordering = ["-requested_at"]
        indexes = [
            # The unanswered requests of a claim, by date: what the triggers of claims 0022
            # read (the latest one) to keep Claim.open_request_at.
            models.Index(
                fields=["claim", "requested_at"],
                condition=models.Q(fulfilled_at__isnull=True),
                name="docrequest_open_idx",
            )
        ]

    def __str__(self):
        return f"{self.claim_id}: {self.requested_at:%Y-%m-%d}"


class RenderJob(models.Model):
    """A PDF to render. Also the outbox: a `waiting` row is not yet on the broker."""

    class Kind(models.TextChoices):
        SETTLEMENT_SUMMARY = "settlement_summary", "支払内容のご案内"
        REQUEST_LETTER = "request_letter", "書類ご提出のお願い"
        DAMAGE_LETTER = "damage_letter", "損害額のご案内"
        PAYMENT_LETTER = "payment_letter", "保険金お支払のご案内"

    class Status(models.TextChoices):
        WAITING = "waiting", "送信待ち"
        QUEUED = "queued", "待機中"
        RENDERING = "rendering", "作成中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, related_name="render_jobs", verbose_name="事故"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices, verbose_name="種類")
    version = models.PositiveIntegerField(verbose_name="版")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.WAITING, verbose_name="状態"
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name="試行回数")
    error = models.TextField(blank=True, verbose_name="エラー")
    document = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="作成した書類",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name="依頼者",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="作成日時")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新日時")
    started_at = models.DateTimeField(null=True, blank=True, verbose_name="開始日時")

    class Meta:
        verbose_name = "PDF作成"
        verbose_name_plural = "PDF作成"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "updated_at"], name="renderjob_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "kind", "version"], name="renderjob_one_per_version"
            )
        ]

    def __str__(self):
        return f"{self.claim_id} {self.kind} v{self.version}: {self.status}"


class ChecklistOverride(models.Model):
    """A claim moved on although a Q1 stage of its checklist was incomplete: who decided it,
    when, why, and what was missing then (documents.checklist item texts).

    Sending to approval without the complete 損害額の裏付書類, or marking paid without the
    保険金請求書類 (a supervisor), needs one. Append-only; the status change it allowed
    carries the same reason, so the claim's timeline tells it too.
    """

    class Stage(models.TextChoices):
        SUBSTANTIATION = "substantiation", "損害額の裏付書類 (承認に回す)"
        CLAIM_DOCUMENTS = "claim_documents", "保険金請求書類 (支払済みにする)"

    claim = models.ForeignKey(
        "claims.Claim",
        on_delete=models.PROTECT,
        related_name="checklist_overrides",
        verbose_name="事故",
    )
    stage = models.CharField("段階", max_length=20, choices=Stage.choices)
    missing = models.JSONField("不足していた書類", default=list)
    reason = models.TextField("例外とした理由")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="記録者"
    )
    at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "書類不足の例外承認"
        verbose_name_plural = "書類不足の例外承認"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.claim_id}: {self.get_stage_display()} {self.at:%Y-%m-%d}"
