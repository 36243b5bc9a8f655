"""The triage queue's filters, search and (whitelisted) sort orders."""

import datetime
import re
import unicodedata

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q

from claims import clock
from claims.models import IN_PROGRESS_STATUSES, Claim, ClientDamage, Policy
from claimsdesk.formdata import is_id
from documents import followup

CLAIM_NUMBER = re.compile(r"^[A-Za-z]{1,3}[0-9]{0,2}-[0-9]*$")


def _due(desc=False):
    """支払期限 either way, claims without a date last in both directions."""
    if desc:
        return (F("payment_due_on").desc(nulls_last=True), "-id")
    return (F("payment_due_on").asc(nulls_last=True), "id")


def _next(desc=False):
    if desc:
        return (F("next_action_on").desc(nulls_last=True), "-id")
    return (F("next_action_on").asc(nulls_last=True), "id")


SORTS = {
    "due": ("支払期限 (近い順)", _due()),
    "-due": ("支払期限 (遠い順)", _due(desc=True)),
    "next": ("次回対応日 (早い順)", _next()),
    "-next": ("次回対応日 (遅い順)", _next(desc=True)),
    "-reported": ("受付日 (新しい順)", ("-reported_at", "-id")),
    "reported": ("受付日 (古い順)", ("reported_at", "id")),
    "-claimed": ("請求額 (大きい順)", ("-total_claimed", "-id")),
    "claimed": ("請求額 (小さい順)", ("total_claimed", "id")),
    "-payable": ("支払見込額 (大きい順)", ("-total_payable", "-id")),
    "payable": ("支払見込額 (小さい順)", ("total_payable", "id")),
}
# Deadline first: the claims whose payment date (保険法21条) comes soonest on top.
DEFAULT_SORT = "due"
# The queue's sortable columns: (ascending key, descending key, first click) where
# ascending means the value shown in the column grows down the page.
SORT_COLUMNS = {
    "days": ("-reported", "reported", "reported"),
    "claimed": ("claimed", "-claimed", "-claimed"),
    "payable": ("payable", "-payable", "-payable"),
    "due": ("due", "-due", "due"),
    "next": ("next", "-next", "next"),
}
ALL = "all"  # the 状態 / 担当者 choice that lifts the queue's default
MINE_AND_POOL = "mine_pool"  # a handler's default: her claims and the unassigned pool

# Not statuses but states of the file, offered in the same 状態 select: a document request
# unanswered for too long (督促), the payment clock run out (保険法21条), the diary date come,
# and every claim still being worked.
FOLLOW_UP = "follow_up"
OVERDUE = "overdue"
DUE_SOON = "due_soon"  # the payment date within 5 days
NEXT_ACTION_DUE = "next_action_due"  # the diary date has come
OPEN = "open"  # 未完了: models.IN_PROGRESS_STATUSES


def next_action_due_q(today=None) -> Q:
    """Claims still being worked whose diary date (次回対応日) is today or past, or with an
    open task (対応予定) due today or earlier (one EXISTS subquery, no query per row)."""
    from django.utils import timezone

    from claims.models import ClaimTask

    today = today or timezone.localdate()
    task_due = ClaimTask.objects.filter(
        claim=OuterRef("pk"), done_at__isnull=True, due_on__lte=today
    )
    return Q(status__in=IN_PROGRESS_STATUSES) & (Q(next_action_on__lte=today) | Exists(task_due))


def status_choices() -> list[tuple[str, str]]:
    """The queue's 状態 options: 未完了, the statuses, then the states above (short labels:
    the filter bar must stay one row at 1366 px; the follow-up option's title says more)."""
    return [
        (ALL, "すべての状態"),
        (OPEN, "未完了"),
        *Claim.Status.choices,
        (NEXT_ACTION_DUE, "対応日到来"),
        (FOLLOW_UP, "要督促"),
        (OVERDUE, "支払期限超過"),
        (DUE_SOON, "期限5日以内"),
    ]


class _DateInput(forms.DateInput):
    input_type = "date"


EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2099, 12, 31)


class BoundedDateField(forms.DateField):
    """A date the desk can mean: 9999-12-31 (whose next day is no date) or 0001-01-01 is a
    field error on the filter bar, not an overflow in the query."""

    def validate(self, value):
        super().validate(value)
        if value and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                f"{EARLIEST:%Y-%m-%d}〜{LATEST:%Y-%m-%d} の日付を入力してください。",
                code="out_of_range",
            )


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


class QueueFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("reported_from"), data.get("reported_to")
        if start and end and start > end:
            raise forms.ValidationError(
                f"受付日の期間が逆です: {start:%Y/%m/%d} 〜 {end:%Y/%m/%d}。"
                "「から」には「まで」以前の日付を指定してください。",
                code="reversed_range",
            )
        return data


class ClaimFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="検索", method="search")
    status = django_filters.ChoiceFilter(
        label="状態", choices=status_choices, method="filter_status", empty_label="すべての状態"
    )
    handler = django_filters.CharFilter(label="担当者", method="filter_handler")
    # Choices come from lists the view fetched once (and renders), so validating a
    # chosen value costs no query.
    incident = django_filters.ChoiceFilter(
        label="事故", field_name="incident_id", choices=[], empty_label="すべての事故"
    )
    plan = django_filters.ChoiceFilter(
        label="プラン", field_name="policy__plan_id", choices=[], empty_label="すべてのプラン"
    )
    reported_from = BoundedDateFilter(
        label="受付日 (から)", method="filter_reported_from", widget=_DateInput
    )
    reported_to = BoundedDateFilter(
        label="受付日 (まで)", method="filter_reported_to", widget=_DateInput
    )

    class Meta:
        model = Claim
        fields = ["q", "status", "handler", "incident", "plan", "reported_from", "reported_to"]
        form = QueueFilterForm

    def __init__(self, *args, user=None, incidents=(), plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["incident"].extra["choices"] = [(str(i.pk), str(i)) for i in incidents]
        self.filters["plan"].extra["choices"] = [(str(p.pk), p.name) for p in plans]

    def search(self, queryset, name, value):
        """Claim number, policy number, insured name or registration number, client name.

        The shape of the text picks the columns, so a claim number or a registration number
        hits an index instead of scanning names: "C23-000123" (or its start) searches claim
        numbers, digits search registration numbers and claim-number endings, anything else
        searches the insured's and the advisory clients' names (EXISTS on the damages).
        """
        value = unicodedata.normalize("NFKC", value).strip()
        if not value:
            return queryset
        # An insured calling in gives the policy number (証券番号), whatever its shape: an
        # exact match on its unique index first, one small query, then OR'ed in by id.
        policy_ids = list(
            Policy.objects.filter(number__in={value, value.upper()}).values_list("pk", flat=True)
        )
        by_policy = Q(policy_id__in=policy_ids) if policy_ids else Q(pk__in=[])
        if CLAIM_NUMBER.match(value):
            return queryset.filter(
                Q(number=value.upper()) | Q(number__startswith=value.upper()) | by_policy
            )
        if value.isdigit():
            return queryset.filter(
                Q(policy__insured__registration_number=value)
                | Q(number__endswith=value)
                | by_policy
            )
        client = ClientDamage.objects.filter(claim=OuterRef("pk"), client_name__icontains=value)
        return queryset.filter(
            Q(policy__insured__name__icontains=value) | Exists(client) | by_policy
        )

    def filter_status(self, queryset, name, value):
        if value == FOLLOW_UP:
            return queryset.filter(followup.due_q())
        if value == OVERDUE:
            return queryset.filter(clock.overdue_q())
        if value == DUE_SOON:
            return queryset.filter(clock.due_soon_q())
        if value == NEXT_ACTION_DUE:
            return queryset.filter(next_action_due_q())
        if value == OPEN:
            return queryset.filter(status__in=IN_PROGRESS_STATUSES)
        if value == ALL:
            return queryset
        return queryset.filter(status=value)

    def filter_handler(self, queryset, name, value):
        if value == "mine":
            return queryset.filter(handler=self.user)
        if value == "unassigned":
            return queryset.filter(handler__isnull=True)
        if value == MINE_AND_POOL:
            return queryset.filter(Q(handler=self.user) | Q(handler__isnull=True))
        if value == ALL:
            return queryset
        if is_id(value):
            return queryset.filter(handler_id=int(value))
        return queryset.none()

    def _local_midnight(self, day):
        from django.utils import timezone

        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    def filter_reported_from(self, queryset, name, value):
        return queryset.filter(reported_at__gte=self._local_midnight(value))

    def filter_reported_to(self, queryset, name, value):
        return queryset.filter(
            reported_at__lt=self._local_midnight(value + datetime.timedelta(days=1))
        )
