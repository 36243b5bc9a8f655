"""Four eyes (四つの目の原則): who touched a claim's money, from its whole history.

Nobody approves, sends back from approval, asks back or waives a refund, or records as paid
a claim they

- handle or ever handled (every handler in the claim's history, an import's included),
- filed (the claim's creator, the first history row's user),
- moved through the handler's desk (submitted, asked documents for, started assessing,
  reopened, withdrew) or sent to approval,
- changed the facts of (any change of the reported facts, policy or incident in the claim's
  history, whoever made it: the desk or the admin site),
- entered or changed an item of (current rows and every history row, deleted items too),
- uploaded, linked, reclassified or deleted a document on (desk-made PDFs aside: those are
  rendered by whoever approved),
- asked a refund of (過払い返還).

A supervisor who edits a claim therefore loses the right to approve or pay it; the claim page
says so on its edit forms before they edit.

`touchers(claim_ids)` answers for many claims in two queries (one UNION of every source, one
read of the claims' history rows); `money_touchers(claim)` and `four_eyes_conflict` are the
one-claim forms every money action calls.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import CharField, F, Q, Value

# Reasons, each completing "ご自身が…事故", in the order they are reported (one per person).
HANDLING = "担当している"
HANDLED = "以前担当していた"
FILED = "登録した"
SUBMITTED = "承認に回した"
FACTS = "内容 (事故の事実) を変更した"
DOCUMENTS = "書類を登録・変更・削除した"
REFUND = "過払いの返還を請求した"
DESK = "担当者として処理した"


def _item_reason(model) -> str:
    return f"{model._meta.verbose_name}を入力・変更した"


def _priority() -> list[str]:
    from claims.models import ClientDamage, Expense, OvertimeEntry

    return [
        HANDLING,
        HANDLED,
        FILED,
        SUBMITTED,
        FACTS,
        *(_item_reason(m) for m in (ClientDamage, Expense, OvertimeEntry)),
        DOCUMENTS,
        REFUND,
        DESK,
    ]


def _fact_fields() -> tuple[str, ...]:
    from claims.services import FACT_FIELDS

    return (*FACT_FIELDS, "policy_id", "incident_id")


def _pairs(qs, claim: str, user: str, reason: str):
    """(claim id, user id, reason) rows of one source, ready for the UNION."""
    return (
        qs.filter(**{f"{user}__isnull": False})
        .annotate(
            t_claim=F(claim),
            t_user=F(user),
            t_reason=Value(reason, output_field=CharField()),
        )
        .values_list("t_claim", "t_user", "t_reason")
        .order_by()
    )


def _sources(claim_ids: list[int], user_id: int | None):
    from claims.models import (
        Claim,
        ClientDamage,
        Expense,
        OvertimeEntry,
        Recovery,
        StatusChange,
    )
    from documents.models import DESK_KINDS, Document

    S = Claim.Status

    def mine(qs, field):
        """The rows of `qs` on these claims (by `field`'s person, if one is asked about)."""
        qs = qs.filter(**{"pk__in" if qs.model is Claim else "claim_id__in": claim_ids})
        return qs.filter(**{field: user_id}) if user_id is not None else qs

    claims = Claim.objects.all()
    yield _pairs(mine(claims, "created_by_id"), "pk", "created_by_id", FILED)
    yield _pairs(mine(claims, "handler_id"), "pk", "handler_id", HANDLING)
    moves = StatusChange.objects.all()
    yield _pairs(
        mine(moves, "by_id").filter(to_status=S.AWAITING_APPROVAL), "claim_id", "by_id", SUBMITTED
    )
    desk_moves = Q(to_status__in=[S.REPORTED, S.DOCUMENTS_REQUESTED, S.WITHDRAWN]) | Q(
        to_status=S.UNDER_ASSESSMENT,
        from_status__in=[S.REPORTED, S.DOCUMENTS_REQUESTED, S.PAID, S.CLOSED],
    )
    yield _pairs(mine(moves, "by_id").filter(desk_moves), "claim_id", "by_id", DESK)
    for model in (ClientDamage, Expense, OvertimeEntry):
        reason = _item_reason(model)
        for qs in (model.objects.all(), model.history.all()):
            for field in ("created_by_id", "updated_by_id"):
                yield _pairs(mine(qs, field), "claim_id", field, reason)
        yield _pairs(
            mine(model.history.all(), "history_user_id"), "claim_id", "history_user_id", reason
        )
    documents = Document.objects.exclude(kind__in=DESK_KINDS)
    for field in ("uploaded_by_id", "deleted_by_id"):
        yield _pairs(mine(documents, field), "claim_id", field, DOCUMENTS)
    yield _pairs(
        mine(Document.history.exclude(kind__in=DESK_KINDS), "history_user_id"),
        "claim_id",
        "history_user_id",
        DOCUMENTS,
    )
    yield _pairs(
        mine(Recovery.objects.all(), "requested_by_id"), "claim_id", "requested_by_id", REFUND
    )


def _from_claim_history(claim_ids: list[int], user_id: int | None):
    """(claim id, user id, reason) from the claims' own history rows: every handler they
    had, who created them, and who changed their facts (a row whose facts differ from the
    row before it)."""
    from claims.models import Claim

    fields = _fact_fields()
    rows = (
        Claim.history.filter(id__in=claim_ids)
        .order_by("id", "history_date", "history_id")
        .values("id", "history_type", "history_user_id", "handler_id", *fields)
    )
    before: dict[int, tuple] = {}
    for row in rows.iterator():
        claim_id = row["id"]
        if row["handler_id"] is not None:
            yield claim_id, row["handler_id"], HANDLED
        user = row["history_user_id"]
        facts = tuple(row[f] for f in fields)
        if user is not None:
            if row["history_type"] == "+":
                yield claim_id, user, FILED
            elif claim_id in before and before[claim_id] != facts:
                yield claim_id, user, FACTS
        before[claim_id] = facts


def touchers(claim_ids: Iterable[int], *, user=None) -> dict[int, dict[int, str]]:
    """claim id -> {user id: the first reason they may not decide its money}. With `user`,
    only that person is looked for (cheaper; the queue asks this for one page of claims)."""
    claim_ids = [int(pk) for pk in claim_ids]
    if not claim_ids:
        return {}
    user_id = None if user is None else user.pk
    sources = list(_sources(claim_ids, user_id))
    union = sources[0].union(*sources[1:], all=True)
    found = [*union, *_from_claim_history(claim_ids, user_id)]
    rank = {reason: i for i, reason in enumerate(_priority())}
    out: dict[int, dict[int, str]] = {pk: {} for pk in claim_ids}
    for claim_id, who, reason in found:
        if user_id is not None and who != user_id:
            continue
        current = out[claim_id].get(who)
        if current is None or rank[reason] < rank[current]:
            out[claim_id][who] = reason
    return out


def money_touchers(claim) -> dict[int, str]:
    """Who touched `claim`'s money: user id -> why (a phrase completing "ご自身が…事故")."""
    return touchers([claim.pk])[claim.pk]


def message(reason: str, action: str = "承認") -> str:
    return f"ご自身が{reason}事故の{action}はできません (四つの目の原則)。"


def four_eyes_conflict(*, claim, user, action: str = "承認") -> str | None:
    """Why `user` may not take the money decision `action` on `claim` (see the module
    docstring), or None."""
    reason = touchers([claim.pk], user=user)[claim.pk].get(user.pk)
    return None if reason is None else message(reason, action)
