"""The documents a claim needs, per stage, computed from its items (Q1, Q5).

Substantiation (損害額の裏付書類, Q1 step 2):
- the accident report form, always;
- per advisory client with a damage: its damage claim with breakdown and the service
  contract. A document counts for a client when it is linked to one of that client's
  damages; an unlinked one counts only when the claim has a single client (no ambiguity);
- the statement of the insured's own costs when there are expenses or overtime;
- per overtime entry, the three Q5 evidence kinds: ticked on the entry by the handler or a
  linked document of that kind (the same rule as coverage.adapters.overtime_evidence, so
  the engine's MISSING_EVIDENCE and this list never disagree).

Claim documents (保険金請求書類, Q1 step 5), once the claim has any item:
- the claim form, always; the settlement agreement or confirmation when there is a client
  damage (there is nothing to settle otherwise); the payment record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coverage import vocab
from documents.models import DocumentKind as K

STAGE_SUBSTANTIATION = "substantiation"
STAGE_CLAIM = "claim_documents"
STAGES = {
    STAGE_SUBSTANTIATION: "損害額の裏付書類",
    STAGE_CLAIM: "保険金請求書類",
}
CLAIM_STAGE_KINDS = frozenset({K.CLAIM_FORM, K.SETTLEMENT_AGREEMENT, K.PAYMENT_RECORD})
EVIDENCE_KINDS = tuple(vocab.EVIDENCE_KINDS)
_NOT_ON_CHECKLIST = frozenset(
    {K.OTHER, K.SETTLEMENT_SUMMARY, K.REQUEST_LETTER, K.DAMAGE_LETTER, K.PAYMENT_LETTER}
)  # Q5 order; equal to DocumentKind codes


@dataclass(frozen=True)
class Item:
    key: str  # stable: "service_contract:client:株式会社A", "wage_basis:o12"
    stage: str
    kind: str
    label: str
    target: str = ""  # who or what it is for, "" for the claim as a whole
    documents: tuple = ()
    ticked: bool = False  # overtime evidence confirmed by the handler without a file

    @property
    def satisfied(self) -> bool:
        return self.ticked or bool(self.documents)

    @property
    def text(self) -> str:
        return f"{self.target}: {self.label}" if self.target else self.label

    def as_request_item(self) -> dict:
        return {
            "key": self.key,
            "stage": self.stage,
            "kind": self.kind,
            "label": self.label,
            "target": self.target,
        }


@dataclass(frozen=True)
class Stage:
    code: str
    label: str
    items: tuple[Item, ...]

    @property
    def complete(self) -> bool:
        return all(i.satisfied for i in self.items)

    @property
    def done_count(self) -> int:
        return sum(1 for i in self.items if i.satisfied)


@dataclass(frozen=True)
class Checklist:
    stages: tuple[Stage, ...]
    unmatched: tuple = field(default=())  # live documents no item counts (still on file)

    @property
    def items(self) -> list[Item]:
        return [i for s in self.stages for i in s.items]

    @property
    def missing(self) -> list[Item]:
        return [i for i in self.items if not i.satisfied]

    @property
    def complete(self) -> bool:
        """All in, and there is something to claim (a claim with no items is never complete:
        completeness starts the payment clock)."""
        return bool(self.stage(STAGE_CLAIM).items) and not self.missing

    def stage(self, code: str) -> Stage:
        return next(s for s in self.stages if s.code == code)


def _label(kind: str) -> str:
    return K(kind).label


def overtime_target(entry) -> str:
    when = f" {entry.work_date:%Y/%m/%d}" if entry.work_date else ""
    return f"超過勤務 {entry.employee}{when}・{entry.minutes}分"


def build(*, damages, has_expenses: bool, overtime, documents) -> Checklist:
    """The checklist from plain rows: damages, overtime entries and live documents."""
    documents = [d for d in documents if d.deleted_at is None]
    used: set[int] = set()

    def docs(kind, pred=lambda d: True):
        found = tuple(d for d in documents if d.kind == kind and pred(d))
        used.update(d.pk for d in found)
        return found

    sub: list[Item] = [
        Item(
            "accident_report",
            STAGE_SUBSTANTIATION,
            K.ACCIDENT_REPORT,
            _label(K.ACCIDENT_REPORT),
            documents=docs(K.ACCIDENT_REPORT),
        )
    ]
    clients: dict[str, set[int]] = {}
    for d in damages:
        clients.setdefault(d.client_name, set()).add(d.pk)
    single = len(clients) == 1
    for client, damage_ids in clients.items():
        for kind in (K.DAMAGE_CLAIM, K.SERVICE_CONTRACT):

            def for_client(d, damage_ids=damage_ids):
                return d.damage_id in damage_ids or (single and d.damage_id is None)

            sub.append(
                Item(
                    f"{kind}:client:{client}",
                    STAGE_SUBSTANTIATION,
                    kind,
                    _label(kind),
                    target=f"顧問先 {client}",
                    documents=docs(kind, for_client),
                )
            )
    if has_expenses or overtime:
        sub.append(
            Item(
                "cost_statement",
                STAGE_SUBSTANTIATION,
                K.COST_STATEMENT,
                _label(K.COST_STATEMENT),
                documents=docs(K.COST_STATEMENT),
            )
        )
    for entry in overtime:
        ticked = entry.evidence if isinstance(entry.evidence, list) else []
        for kind in EVIDENCE_KINDS:
            sub.append(
                Item(
                    f"{kind}:o{entry.pk}",
                    STAGE_SUBSTANTIATION,
                    kind,
                    vocab.EVIDENCE_KINDS[kind],
                    target=overtime_target(entry),
                    documents=docs(kind, lambda d, pk=entry.pk: d.overtime_entry_id == pk),
                    ticked=kind in ticked,
                )
            )

    claim_items: list[Item] = []
    if damages or has_expenses or overtime:
        wanted = [K.CLAIM_FORM] + ([K.SETTLEMENT_AGREEMENT] if damages else [])
        wanted.append(K.PAYMENT_RECORD)
        for kind in wanted:
            claim_items.append(Item(kind, STAGE_CLAIM, kind, _label(kind), documents=docs(kind)))

    return Checklist(
        stages=(
            Stage(STAGE_SUBSTANTIATION, STAGES[STAGE_SUBSTANTIATION], tuple(sub)),
            Stage(STAGE_CLAIM, STAGES[STAGE_CLAIM], tuple(claim_items)),
        ),
        # documents of a checklist kind that no item counts (wrong or missing link)
        unmatched=tuple(
            d for d in documents if d.pk not in used and d.kind not in _NOT_ON_CHECKLIST
        ),
    )


def _has_rows(claim, related_name: str) -> bool:
    cache = getattr(claim, "_prefetched_objects_cache", {})
    if related_name in cache:
        return bool(cache[related_name])
    return getattr(claim, related_name).exists()


def claim_checklist(claim, *, documents=None) -> Checklist:
    """The checklist of a Claim row. Four queries (damages, expenses exist, overtime, docs),
    fewer when the caller prefetched them or passes the live documents it already holds."""
    if documents is None:
        documents = [d for d in claim.documents.all() if d.deleted_at is None]
    return build(
        damages=list(claim.damages.all()),
        has_expenses=_has_rows(claim, "expenses"),
        overtime=list(claim.overtime_entries.all()),
        documents=documents,
    )
