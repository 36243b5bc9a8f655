"""The Q&A's world: insureds, their policies, incidents, claims and the claim's line items.

Statuses change only through `claims.services`; money is whole yen in integer columns and
the database refuses what must never happen (negative amounts, recognized above claimed,
a second live payout for one claim).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from coverage import vocab

MAX_YEN = 1_000_000_000_000
MAX_MINUTES = 100_000
yen_validators = [MaxValueValidator(MAX_YEN)]


class Insured(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "社会保険労務士"
        CORPORATION = "corporation", "社会保険労務士法人"

    kind = models.CharField("区分", max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL)
    name = models.CharField("氏名・名称", max_length=200)
    registration_number = models.CharField("登録番号", max_length=20, unique=True)
    contact_person = models.CharField("担当者", max_length=100, blank=True)
    email = models.EmailField("メールアドレス", blank=True)
    phone = models.CharField("電話番号", max_length=30, blank=True)
    address = models.CharField("所在地", max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "被保険者"
        verbose_name_plural = "被保険者"
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="insured_name_idx")]

    def __str__(self):
        return f"{self.name} ({self.registration_number})"


class Policy(models.Model):
    """One insured's cyber-risk policy. The IT-business exclusion rider (IT業務不担保特約)
    is part of every policy of this scheme, so it needs no flag."""

    insured = models.ForeignKey(
        Insured, on_delete=models.PROTECT, related_name="policies", verbose_name="被保険者"
    )
    plan = models.ForeignKey(
        "coverage.Plan", on_delete=models.PROTECT, related_name="policies", verbose_name="プラン"
    )
    number = models.CharField("証券番号", max_length=30, unique=True)
    period_start = models.DateField("保険期間 始期")
    period_end = models.DateField("保険期間 終期")
    provides_cloud_service = models.BooleanField("顧問先へクラウドサービスを提供", default=False)
    cloud_service_free_promotional = models.BooleanField(
        "提供サービスは広告・販促目的の無償提供", default=False
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "保険契約"
        verbose_name_plural = "保険契約"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="policy_period_order"
            )
        ]

    def __str__(self):
        return f"{self.number} {self.insured.name}"


class Incident(models.Model):
    """One cyber attack on one cloud provider; many claims hang off it."""

    provider_name = models.CharField("クラウドサービス提供者", max_length=200)
    title = models.CharField("インシデント名", max_length=200)
    occurred_on = models.DateField("発生日")
    leak_or_threat = models.BooleanField(
        "情報漏えい・そのおそれと判断", default=False, help_text="Q2(2) の判断"
    )
    notes = models.TextField("備考", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "インシデント"
        verbose_name_plural = "インシデント"
        ordering = ["-occurred_on"]

    def __str__(self):
        return f"{self.occurred_on:%Y/%m/%d} {self.provider_name}"


class Claim(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "下書き"
        REPORTED = "reported", "事故受付"
        DOCUMENTS_REQUESTED = "documents_requested", "書類依頼中"
        UNDER_ASSESSMENT = "under_assessment", "査定中"
        AWAITING_APPROVAL = "awaiting_approval", "承認待ち"
        APPROVED = "approved", "承認済み"
        PAID = "paid", "支払済み"
        CLOSED = "closed", "終了"
        WITHDRAWN = "withdrawn", "取下げ"

    number = models.CharField("事故番号", max_length=20, unique=True)
    # The sender's own reference for bulk imports (`manage.py import_claims`): re-importing
    # the same file finds the claim by it and creates nothing new. Empty for desk-entered claims.
    external_ref = models.CharField("外部参照番号", max_length=100, blank=True, default="")
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="claims", verbose_name="保険契約"
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="claims", verbose_name="インシデント"
    )
    status = models.CharField("状態", max_length=30, choices=Status.choices, default=Status.DRAFT)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="担当者",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_claims",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登録者",
        on_delete=models.PROTECT,
        related_name="created_claims",
    )
    noticed_on = models.DateField("事故を知った日")
    description = models.TextField("事故の概要", blank=True)
    # As reported by the insured (Q2-Q4); copied from the policy at intake, editable.
    own_cloud_service = models.BooleanField("自社でクラウドサービスを提供", default=False)
    own_cloud_service_free_promotional = models.BooleanField(
        "提供は広告・販促目的の無償提供", default=False
    )
    direct_recovery_elected = models.BooleanField("クラウド事業者へ直接請求 (Q7)", default=False)
    talks_difficult = models.BooleanField("顧問先との交渉が難航 (Q8)", default=False)
    reported_at = models.DateTimeField("受付日時", null=True, blank=True)
    documents_complete_on = models.DateField("書類完備日", null=True, blank=True)
    payment_due_on = models.DateField("支払期限", null=True, blank=True)
    paid_on = models.DateField("支払日", null=True, blank=True)
    # The handler's diary: when to pick the file up again, and what for (a call back, a
    # promised document); the queue flags it from that day.
    next_action_on = models.DateField("次回対応日", null=True, blank=True)
    next_action = models.CharField("次回対応の内容", max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="作成日時")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新日時")
    # Kept current by the services after every item change, so the queue needs no aggregates.
    total_claimed = models.PositiveBigIntegerField("請求額合計", default=0)
    total_payable = models.PositiveBigIntegerField("支払見込額", default=0)
    pending_items = models.PositiveIntegerField("保留項目数", default=0)
    # When the latest unanswered document request was made (None: nothing outstanding). The
    # database derives it from documents_documentrequest with triggers (claims 0022), so no
    # write path can leave it stale; the queue's 要督促 reads it (documents.followup.due_q).
    open_request_at = models.DateTimeField(
        "未回答の書類依頼 (最新) の依頼日時", null=True, blank=True, editable=False
    )
    history = HistoricalRecords(excluded_fields=["updated_at", "open_request_at"])

    class Meta:
        verbose_name = "保険事故"
        verbose_name_plural = "保険事故"
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-reported_at"], name="claim_status_reported_idx"),
            models.Index(fields=["handler", "status"], name="claim_handler_status_idx"),
            models.Index(fields=["incident", "status"], name="claim_incident_status_idx"),
            # The queue's default order. Covering the visibility filter's columns lets a deep
            # page walk the index alone (an index-only scan on PostgreSQL).
            models.Index(
                fields=["-reported_at", "-id"],
                name="claim_reported_cover_idx",
                include=["status", "created_by", "handler"],
            ),
            models.Index(fields=["-total_claimed", "-id"], name="claim_claimed_idx"),
            # The queue's deadline-first default (支払期限, nulls last = PostgreSQL's ASC),
            # covering the visibility filter like the index above; and the 次回対応日 sort.
            models.Index(
                fields=["payment_due_on", "id"],
                name="claim_due_cover_idx",
                include=["status", "created_by", "handler"],
            ),
            models.Index(fields=["next_action_on", "id"], name="claim_next_action_idx"),
            # The open claims (IN_PROGRESS_STATUSES, spelt out: the class is not made yet) in
            # id order, covering the visibility filter: a status filter's bounded total
            # (査定中, ...) walks it without reading the table.
            models.Index(
                fields=["id"],
                name="claim_open_cover_idx",
                include=["status", "created_by", "handler"],
                condition=Q(
                    status__in=[
                        "reported",
                        "documents_requested",
                        "under_assessment",
                        "awaiting_approval",
                        "approved",
                    ]
                ),
            ),
            # The open claims whose latest unanswered request is older than the follow-up
            # mark (要督促): a range of this index, covering the visibility filter.
            models.Index(
                fields=["open_request_at"],
                name="claim_follow_up_idx",
                include=["status", "created_by", "handler"],
                condition=Q(
                    open_request_at__isnull=False,
                    status__in=[
                        "reported",
                        "documents_requested",
                        "under_assessment",
                        "awaiting_approval",
                        "approved",
                    ],
                ),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="claim_external_ref_unique",
            )
        ]

    def __str__(self):
        return self.number

    @property
    def is_read_only(self):
        return self.status in {
            self.Status.APPROVED,
            self.Status.PAID,
            self.Status.CLOSED,
            self.Status.WITHDRAWN,
        }


# Received and not yet settled (paid, closed or withdrawn): the claims still being worked.
# The queue's 未完了 filter, the workload page, document follow-ups and the register use it.
IN_PROGRESS_STATUSES = (
    Claim.Status.REPORTED,
    Claim.Status.DOCUMENTS_REQUESTED,
    Claim.Status.UNDER_ASSESSMENT,
    Claim.Status.AWAITING_APPROVAL,
    Claim.Status.APPROVED,
)


class _Item(models.Model):
    """Common columns of a claim's line items."""

    cause = models.CharField(
        "原因",
        max_length=30,
        choices=vocab.choices(vocab.CAUSES),
        default=vocab.CAUSE_PROVIDER_ATTACK,
    )
    # Not edited any more and not read by the assessment: the free-promotion exception
    # follows the claim's own_cloud_service_free_promotional (claims.facts). Kept so old rows
    # and snapshots stay readable; `manage.py fact_conflicts` lists rows that disagree.
    own_service_free_promotional = models.BooleanField(
        "(旧) 自社サービスは広告・販促目的の無償提供", default=False, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name="登録者",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name="更新者",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="登録日時")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新日時")

    class Meta:
        abstract = True
        ordering = ["id"]

    def clean(self):
        """An item cannot contradict its claim's own-cloud-service fact (claims.facts)."""
        from django.core.exceptions import ValidationError

        from claims.facts import item_conflicts

        super().clean()
        if self.claim_id is None:
            return
        errors = item_conflicts(
            own_cloud_service=self.claim.own_cloud_service,
            cause=self.cause,
            activity=getattr(self, "activity", None),
        )
        if errors:
            raise ValidationError(errors)


CUT_REASON_REQUIRED = (
    "認定額が請求額を {cut:,}円 下回っています。減額の理由を入力してください (区分は任意)。"
)


class ClientDamage(_Item):
    """A damage an advisory client (顧問先) claims from the insured."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="damages", verbose_name="事故"
    )
    client_name = models.CharField("顧問先", max_length=200)
    kind = models.CharField("損害の種類", max_length=30, choices=vocab.choices(vocab.DAMAGE_KINDS))
    description = models.CharField("内容", max_length=300, blank=True)
    claimed = models.PositiveBigIntegerField("請求額 (円)", validators=yen_validators)
    recognized = models.PositiveBigIntegerField("認定額 (円)", validators=yen_validators)
    # A recognized amount below the claimed one needs a written reason (clean(); the form
    # and the importer say so per field); the standard code is optional.
    cut_reason_code = models.CharField(
        "減額理由の区分", max_length=30, choices=vocab.choices(vocab.CUT_REASONS), blank=True
    )
    cut_reason = models.CharField("減額の理由", max_length=500, blank=True)
    legally_liable = models.BooleanField("法律上の賠償責任あり", default=True)
    activity = models.CharField(
        "業務の性質",
        max_length=20,
        choices=vocab.choices(vocab.ACTIVITIES),
        default=vocab.ACTIVITY_IT_USER_ACT,
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta(_Item.Meta):
        verbose_name = "顧問先の損害"
        verbose_name_plural = "顧問先の損害"
        constraints = [
            models.CheckConstraint(
                condition=Q(recognized__lte=models.F("claimed")),
                name="damage_recognized_not_above_claimed",
            ),
            models.CheckConstraint(condition=Q(claimed__lte=MAX_YEN), name="damage_claimed_max"),
        ]

    def __str__(self):
        return f"{self.client_name} {self.description}"

    @property
    def cut(self) -> int:
        """請求額 − 認定額 (0 when nothing was cut)."""
        return max((self.claimed or 0) - (self.recognized or 0), 0)

    @property
    def cut_reason_text(self) -> str:
        return vocab.cut_reason_text(self.cut_reason_code, self.cut_reason)

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        self.cut_reason = (self.cut_reason or "").strip()
        if self.claimed is None or self.recognized is None:
            return
        if self.recognized < self.claimed and not self.cut_reason:
            raise ValidationError(
                {"cut_reason": CUT_REASON_REQUIRED.format(cut=self.claimed - self.recognized)}
            )


class Expense(_Item):
    """A cost the insured itself paid (Q4)."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="expenses", verbose_name="事故"
    )
    category = models.CharField(
        "費目", max_length=30, choices=vocab.choices(vocab.EXPENSE_CATEGORIES)
    )
    description = models.CharField("内容", max_length=300, blank=True)
    amount = models.PositiveBigIntegerField("金額 (円)", validators=yen_validators)
    incurred_on = models.DateField("支出日", null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta(_Item.Meta):
        verbose_name = "費用"
        verbose_name_plural = "費用"
        constraints = [
            models.CheckConstraint(condition=Q(amount__lte=MAX_YEN), name="expense_amount_max")
        ]

    def __str__(self):
        return f"{self.get_category_display()} {self.amount:,}円"


class OvertimeEntry(_Item):
    """Staff overtime spent on the incident (Q4, Q5)."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="overtime_entries", verbose_name="事故"
    )
    employee = models.CharField("従業員", max_length=100)
    work_date = models.DateField("勤務日", null=True, blank=True)
    minutes = models.PositiveIntegerField(
        "超過勤務 (分)", validators=[MaxValueValidator(MAX_MINUTES)]
    )
    hourly_rate = models.PositiveBigIntegerField("時間単価 (円)", validators=yen_validators)
    # What the `assess` contract accepts: at least 1, below 1000, up to 12 decimals.
    premium = models.DecimalField(
        "割増率",
        max_digits=15,
        decimal_places=12,
        default=Decimal(vocab.DEFAULT_PREMIUM),
        validators=[MinValueValidator(Decimal("1"))],
    )
    task = models.CharField(
        "業務内容",
        max_length=30,
        choices=vocab.choices(vocab.TASKS),
        default=vocab.TASK_INCIDENT_RESPONSE,
    )
    overtime_eligible = models.BooleanField(
        "超過勤務手当の支給対象者", default=True, help_text="管理職等で手当が出ない場合は外す"
    )
    evidence = models.JSONField(
        "確認済みの証憑", default=list, blank=True, help_text="Q5 (1)-(3) のうち確認済みのもの"
    )
    # Evidence confirmed by a tick with no file of that kind linked needs a note (how it was
    # checked); who wrote it and when, for the approver (claims.evidence).
    evidence_note = models.TextField("ファイルなしで確認した証憑の確認方法", blank=True, default="")
    evidence_note_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="確認方法の記録者",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence_note_at = models.DateTimeField("確認方法の記録日時", null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta(_Item.Meta):
        verbose_name = "超過勤務"
        verbose_name_plural = "超過勤務"
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__lte=MAX_MINUTES), name="overtime_minutes_max"
            ),
            models.CheckConstraint(condition=Q(premium__gte=1), name="overtime_premium_min"),
            models.CheckConstraint(condition=Q(hourly_rate__lte=MAX_YEN), name="overtime_rate_max"),
        ]

    def __str__(self):
        return f"{self.employee} {self.minutes}分"

    def clean(self):
        """Evidence ticked with no file of that kind linked needs a note (claims.evidence):
        the forms, the item services and the admin all ask for it."""
        from django.core.exceptions import ValidationError

        from claims.evidence import note_required_message, unfiled_ticks

        super().clean()
        self.evidence_note = (self.evidence_note or "").strip()
        if isinstance(self.evidence, list) and not self.evidence_note:
            unfiled = unfiled_ticks(self)
            if unfiled:
                raise ValidationError({"evidence_note": note_required_message(unfiled)})


class StatusChange(models.Model):
    """A readable trace of every status change, with the reason where one is required."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="status_changes", verbose_name="事故"
    )
    from_status = models.CharField(
        "変更前の状態", max_length=30, choices=Claim.Status.choices, blank=True
    )
    to_status = models.CharField("変更後の状態", max_length=30, choices=Claim.Status.choices)
    reason = models.TextField("理由", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="操作者"
    )
    at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        verbose_name = "状態変更"
        verbose_name_plural = "状態変更"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.claim_id}: {self.from_status} → {self.to_status}"


class ApprovalAuthority(models.Model):
    """A supervisor's approval limit in yen; above it another supervisor must approve."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="approval_authority",
        verbose_name="監督者",
    )
    limit = models.PositiveBigIntegerField("承認権限額 (円)", validators=yen_validators)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "承認権限"
        verbose_name_plural = "承認権限"

    def __str__(self):
        return f"{self.user} ≤ {self.limit:,}円"


class Payout(models.Model):
    """An approved payout: the first payment of a claim, or a supplementary one (追加支払).

    A claim reopened after payment (new client damages arrive, say) is assessed again as a
    whole, limits included; its next payout pays only the difference between the new total
    and what earlier payouts already paid (`previously_paid`). At most one payout per claim
    is approved and not yet paid, and live payouts are numbered 1, 2, ... without gaps or
    repeats: both are database constraints, so a second approval of the same submission
    fails even if a caller skipped the row lock.
    """

    class Status(models.TextChoices):
        APPROVED = "approved", "承認済み"
        PAID = "paid", "支払済み"
        VOIDED = "voided", "取消"

    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="payouts", verbose_name="事故"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.APPROVED, verbose_name="状態"
    )
    sequence = models.PositiveSmallIntegerField("支払回数", default=1)
    amount = models.PositiveBigIntegerField("支払額 (円)", validators=yen_validators)
    liability_amount = models.PositiveBigIntegerField("賠償 支払額", default=0)
    expense_amount = models.PositiveBigIntegerField("費用 支払額", default=0)
    previously_paid = models.PositiveBigIntegerField("既払額 (円)", default=0)
    snapshot = models.JSONField("承認時の査定", default=dict)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="approved_payouts",
        verbose_name="承認者",
    )
    approved_at = models.DateTimeField(auto_now_add=True, verbose_name="承認日時")
    paid_on = models.DateField("支払日", null=True, blank=True)
    payment_reference = models.CharField("支払参照番号", max_length=100, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="取消者",
    )
    voided_at = models.DateTimeField(null=True, blank=True, verbose_name="取消日時")
    void_reason = models.TextField("取消理由", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "支払承認"
        verbose_name_plural = "支払承認"
        ordering = ["-approved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(status="approved"),
                name="payout_one_unpaid_per_claim",
            ),
            models.UniqueConstraint(
                fields=["claim", "sequence"],
                condition=Q(status__in=["approved", "paid"]),
                name="payout_live_sequence_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount=models.F("liability_amount") + models.F("expense_amount")),
                name="payout_amount_is_sum",
            ),
        ]

    def __str__(self):
        nth = f" 第{self.sequence}回" if self.sequence > 1 else ""
        return f"{self.claim.number}{nth} {self.amount:,}円 ({self.get_status_display()})"

    @property
    def cumulative(self) -> int:
        """What the claim has been paid in all once this payout is paid."""
        return self.previously_paid + self.amount


class Recovery(models.Model):
    """A refund the insured owes (過払い返還): a claim reopened after payment and assessed
    below what it was paid, pot by pot (Q7: a direct recovery from the provider elected
    after payment, a client's damage withdrawn, ...). Approving it closes the claim; the
    desk then records the refund as received, or waives it with a reason.

    A requested or received recovery counts against what the claim was paid when it is
    assessed again (claims.approvals.payouts.next_payment); a waived one does not (the insured keeps
    the money). At most one open request per claim (a database constraint).
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "返還請求中"
        RECEIVED = "received", "返還済み"
        WAIVED = "waived", "免除"

    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="recoveries", verbose_name="事故"
    )
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    amount = models.PositiveBigIntegerField("返還請求額 (円)", validators=yen_validators)
    liability_amount = models.PositiveBigIntegerField("賠償 返還額", default=0)
    expense_amount = models.PositiveBigIntegerField("費用 返還額", default=0)
    reason = models.TextField("理由")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="依頼者"
    )
    requested_at = models.DateTimeField("請求日時", auto_now_add=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="精算記録者",
    )
    settled_on = models.DateField("返還日・免除日", null=True, blank=True)
    settled_note = models.CharField("入金参照番号・免除理由", max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "過払い返還"
        verbose_name_plural = "過払い返還"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(status="requested"),
                name="recovery_one_open_per_claim",
            ),
            models.CheckConstraint(
                condition=Q(amount=models.F("liability_amount") + models.F("expense_amount"))
                & Q(amount__gt=0),
                name="recovery_amount_is_the_pots",
            ),
        ]

    def __str__(self):
        return f"{self.claim} 返還 {self.amount:,}円 ({self.get_status_display()})"


class PaymentExtension(models.Model):
    """Written notice that more investigation is needed (保険法21条): a new due date."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="extensions", verbose_name="事故"
    )
    new_due_on = models.DateField("新しい支払期限")
    reason = models.TextField("理由")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="記録者"
    )
    at = models.DateTimeField(auto_now_add=True, verbose_name="記録日時")

    class Meta:
        verbose_name = "支払期限の延長"
        verbose_name_plural = "支払期限の延長"
        ordering = ["at"]

    def __str__(self):
        return f"{self.claim_id}: {self.new_due_on}"


class ClaimNote(models.Model):
    """The file's contact log (経過記録): calls, mails, letters, meetings and internal notes.

    Append-only: a note is never edited or deleted (the admin shows it read-only); a
    correction is a new note. Who wrote it and when are set by the server.
    """

    class Channel(models.TextChoices):
        PHONE = "phone", "電話"
        EMAIL = "email", "メール"
        LETTER = "letter", "書面"
        MEETING = "meeting", "面談"
        INTERNAL = "internal", "社内メモ"

    class Party(models.TextChoices):
        INSURED = "insured", "被保険者"
        CLIENT = "client", "顧問先"
        PROVIDER = "provider", "クラウド事業者"
        INTERNAL = "internal", "社内"
        OTHER = "other", "その他"

    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="notes", verbose_name="事故"
    )
    channel = models.CharField("手段", max_length=10, choices=Channel.choices)
    party = models.CharField("相手", max_length=10, choices=Party.choices)
    body = models.TextField("内容", max_length=4000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="記録者"
    )
    at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "経過記録"
        verbose_name_plural = "経過記録"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["claim", "-at"], name="claimnote_claim_at")]

    def __str__(self):
        return f"{self.claim_id}: {self.get_channel_display()} {self.at:%Y-%m-%d}"


class DuplicateClearance(models.Model):
    """A desk decision that two claims on the same policy and incident are not one accident
    reported twice (重複ではない): who decided, when and why. Kept both ways (claim → other,
    other → claim), so neither claim page warns about the pair again."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="duplicate_clearances", verbose_name="事故"
    )
    other = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="+", verbose_name="重複の疑いがあった事故"
    )
    reason = models.TextField("重複ではない理由", max_length=1000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="判断者"
    )
    at = models.DateTimeField("判断日時", auto_now_add=True)

    class Meta:
        verbose_name = "重複ではない判断"
        verbose_name_plural = "重複ではない判断"
        constraints = [
            models.UniqueConstraint(fields=["claim", "other"], name="duplicate_clearance_pair"),
            models.CheckConstraint(
                condition=~Q(claim=models.F("other")), name="duplicate_clearance_two_claims"
            ),
        ]

    def __str__(self):
        return f"{self.claim_id} ≠ {self.other_id}"


class FigureChange(models.Model):
    """A change of a claim's stored figures (支払見込額) caused by something outside the claim:
    an admin's edit of the plan's limits or sub-limits, of the incident's leak determination
    or of the policy, or a payout on another claim of the same policy (claims.reassess).
    The claim's timeline shows it (before → after, and why); the approval page uses it to say
    that the amount changed since the claim was sent to approval."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="figure_changes", verbose_name="事故"
    )
    cause = models.CharField("原因", max_length=200)
    reason = models.TextField("理由", blank=True)
    old_payable = models.PositiveBigIntegerField("変更前の支払見込額")
    new_payable = models.PositiveBigIntegerField("変更後の支払見込額")
    old_claimed = models.PositiveBigIntegerField("変更前の請求額合計", default=0)
    new_claimed = models.PositiveBigIntegerField("変更後の請求額合計", default=0)
    old_pending = models.PositiveIntegerField("変更前の保留項目数", default=0)
    new_pending = models.PositiveIntegerField("変更後の保留項目数", default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作者",
    )
    at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        verbose_name = "支払見込額の再計算"
        verbose_name_plural = "支払見込額の再計算"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["claim", "at"], name="figurechange_claim_at")]

    def __str__(self):
        return f"{self.claim_id}: {self.old_payable:,} → {self.new_payable:,} ({self.cause})"


class ClaimTask(models.Model):
    """A dated task on a claim (対応予定): what to do, who does it, on which day; open until
    someone marks it done (who, when). A claim keeps several; the queue's 対応日到来 counts
    claims with an open task due today or earlier."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="tasks", verbose_name="事故"
    )
    what = models.CharField("対応内容", max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="claim_tasks",
        verbose_name="担当者",
    )
    due_on = models.DateField("対応日")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登録者"
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="完了者",
    )
    done_at = models.DateTimeField("完了日時", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "対応予定"
        verbose_name_plural = "対応予定"
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(
                fields=["claim", "due_on"],
                condition=Q(done_at__isnull=True),
                name="claimtask_open_due",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, done_by__isnull=True)
                | Q(done_at__isnull=False, done_by__isnull=False),
                name="claimtask_done_by_and_at",
            )
        ]

    def __str__(self):
        return f"{self.claim_id}: {self.due_on:%Y/%m/%d} {self.what}"


class SendBackRequest(models.Model):
    """A handler's request (差戻し依頼) that a supervisor send a claim back from 承認待ち, with
    the reason. The supervisor still decides with the send-back; a request counts while the
    claim waits for approval since it was made (a later submission starts afresh)."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="send_back_requests", verbose_name="事故"
    )
    reason = models.TextField("差戻し依頼の理由", max_length=1000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="依頼者"
    )
    at = models.DateTimeField("依頼日時", auto_now_add=True)

    class Meta:
        verbose_name = "差戻し依頼"
        verbose_name_plural = "差戻し依頼"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.claim_id}: 差戻し依頼 {self.at:%Y/%m/%d}"
