"""One truth per fact (Q2-Q4): the claim's own-cloud-service facts decide, items follow.

The claim says whether the insured itself provides a cloud service to its clients
(`Claim.own_cloud_service`) and whether that service is given free for promotion
(`Claim.own_cloud_service_free_promotional`). An item cannot contradict them:

- cause 自社クラウド停止 (`own_service_stoppage`) presupposes a service the insured provides
  (the OWN_CLOUD_SERVICE exclusion, Q2-Q4);
- activity IT業務 (`it_business`) presupposes it too: the IT業務不担保特約 (Q2) is about
  clients running payroll on a cloud service the insured provided.

The free-promotion exception is the claim's alone: coverage.adapters hands the engine the
claim's flag, never the item's old per-item column (kept in the database, no longer
edited). Item forms, item services, the importer and the claim's fact changes all ask
`item_conflicts`; `manage.py fact_conflicts` lists rows saved before the rule existed.
"""

from __future__ import annotations

from dataclasses import dataclass

from coverage import vocab

SECTION_TITLES = {
    vocab.SECTION_DAMAGES: "顧問先の損害",
    vocab.SECTION_EXPENSES: "費用",
    vocab.SECTION_OVERTIME: "超過勤務",
}

CAUSE_WITHOUT_SERVICE = (
    "この事故では被保険者が顧問先へクラウドサービスを提供していない"
    "(事故の内容「自社でクラウドサービスを提供」がオフ)ため、原因に「自社クラウド停止」は選べません。"
    "自社サービス停止の免責 (Q2〜Q4) は被保険者自身が提供するサービスを前提とします。"
    "提供している場合は、先に事故の内容を変更してください。"
)
ACTIVITY_WITHOUT_SERVICE = (
    "この事故では被保険者が顧問先へクラウドサービスを提供していない"
    "(事故の内容「自社でクラウドサービスを提供」がオフ)ため、「IT業務」は選べません。"
    "IT業務不担保特約 (Q2) は、被保険者が提供したクラウドサービスで顧問先自身が"
    "給与計算等を行った場合の特約です。提供している場合は、先に事故の内容を変更してください。"
)


def item_conflicts(*, own_cloud_service: bool, cause=None, activity=None) -> dict[str, str]:
    """field -> why an item with this cause/activity contradicts the claim's fact ({} if none)."""
    if own_cloud_service:
        return {}
    errors = {}
    if cause == vocab.CAUSE_OWN_SERVICE_STOPPAGE:
        errors["cause"] = CAUSE_WITHOUT_SERVICE
    if activity == vocab.ACTIVITY_IT_BUSINESS:
        errors["activity"] = ACTIVITY_WITHOUT_SERVICE
    return errors


def describe_item(section: str, row) -> str:
    """A row as a person finds it on the claim page: 「顧問先の損害 #12 株式会社A 遅延損害金」."""
    if section == vocab.SECTION_DAMAGES:
        text = f"{row.client_name} {row.description}"
    elif section == vocab.SECTION_EXPENSES:
        text = f"{vocab.EXPENSE_CATEGORIES.get(row.category, row.category)} {row.description}"
    else:
        when = f" {row.work_date:%Y/%m/%d}" if row.work_date else ""
        text = f"{row.employee}{when} {row.minutes}分"
    return f"{SECTION_TITLES[section]} #{row.pk} {text.strip()}"


@dataclass(frozen=True)
class Conflict:
    """One saved row that contradicts its claim's facts."""

    claim_number: str
    claim_status: str
    item: str  # describe_item
    what: str  # what contradicts, in Japanese


def _sections(claim) -> list[tuple[str, object]]:
    return [
        *((vocab.SECTION_DAMAGES, r) for r in claim.damages.all()),
        *((vocab.SECTION_EXPENSES, r) for r in claim.expenses.all()),
        *((vocab.SECTION_OVERTIME, r) for r in claim.overtime_entries.all()),
    ]


def _what(section, row, *, own_cloud_service: bool, free_promotional: bool | None) -> list[str]:
    out = []
    if not own_cloud_service and row.cause == vocab.CAUSE_OWN_SERVICE_STOPPAGE:
        out.append("原因「自社クラウド停止」だが、事故は「クラウドサービスの提供なし」")
    if (
        not own_cloud_service
        and section == vocab.SECTION_DAMAGES
        and row.activity == vocab.ACTIVITY_IT_BUSINESS
    ):
        out.append("業務の性質「IT業務」だが、事故は「クラウドサービスの提供なし」")
    if (
        free_promotional is not None
        and own_cloud_service
        and row.cause == vocab.CAUSE_OWN_SERVICE_STOPPAGE
        and row.own_service_free_promotional != free_promotional
    ):
        item_says = "無償提供" if row.own_service_free_promotional else "有償提供"
        claim_says = "無償提供" if free_promotional else "有償提供"
        out.append(
            f"品目の旧欄は「{item_says}」、事故は「{claim_says}」"
            f"(査定は事故の「{claim_says}」に従います)"
        )
    return out


def claim_conflicts(claim, *, own_cloud_service=None, blocking_only=False) -> list[Conflict]:
    """The claim's rows that contradict its facts, or the facts it would have (a change of
    `own_cloud_service` checked before it is saved). `blocking_only`: only the rows the rule
    refuses (cause or activity without a provided service), not the old per-item
    free-promotion column that merely disagrees (the assessment follows the claim)."""
    if own_cloud_service is None:
        own_cloud_service = claim.own_cloud_service
    free = None if blocking_only else claim.own_cloud_service_free_promotional
    out = []
    for section, row in _sections(claim):
        for what in _what(section, row, own_cloud_service=own_cloud_service, free_promotional=free):
            out.append(
                Conflict(
                    claim.number, claim.get_status_display(), describe_item(section, row), what
                )
            )
    return out


def find_conflicts():
    """Every saved row that contradicts its claim's facts (the `fact_conflicts` command).

    Finds the suspect claims from the item tables (three small id queries), then reads them
    in batches of 500 with their items prefetched."""
    from django.db.models import Q

    from claims.models import Claim, ClientDamage, Expense, OvertimeEntry

    own = vocab.CAUSE_OWN_SERVICE_STOPPAGE
    ids = set(
        ClientDamage.objects.filter(
            Q(cause=own) | Q(activity=vocab.ACTIVITY_IT_BUSINESS, claim__own_cloud_service=False)
        ).values_list("claim_id", flat=True)
    )
    for model in (Expense, OvertimeEntry):
        ids.update(model.objects.filter(cause=own).values_list("claim_id", flat=True))
    ids.update(
        Claim.objects.filter(
            own_cloud_service=False, own_cloud_service_free_promotional=True
        ).values_list("id", flat=True)
    )
    ids = sorted(ids)
    for start in range(0, len(ids), 500):
        batch = Claim.objects.filter(id__in=ids[start : start + 500]).order_by("id")
        for claim in batch.prefetch_related("damages", "expenses", "overtime_entries"):
            if claim.own_cloud_service_free_promotional and not claim.own_cloud_service:
                yield Conflict(
                    claim.number,
                    claim.get_status_display(),
                    "事故の内容",
                    "「無償提供」だが「クラウドサービスを提供」がオフ",
                )
            yield from claim_conflicts(claim)
