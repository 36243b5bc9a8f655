"""What the settlement summary and the request letter print: template contexts.

Every figure comes from the coverage engine (coverage.adapters.claim_assessment), or, for an
approved or paid claim, from its Payout's snapshot, so the PDF says exactly what was
approved even if an item changed afterwards.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from django.utils import timezone

from claims.premium import format_premium
from claimsdesk.display import ymd_ja
from coverage import engine, vocab
from documents import followup
from documents.letterhead import letterhead
from documents.models import DocumentKind

# --- what the settlement summary shows ---------------------------------------------------

SECTION_TITLES = {
    vocab.SECTION_DAMAGES: "顧問先の損害 (賠償責任)",
    vocab.SECTION_EXPENSES: "費用",
    vocab.SECTION_OVERTIME: "従業員の超過勤務手当 (費用)",
}


def _get(row, key, default=None):
    if isinstance(row, Mapping):
        return row.get(key, default)
    return getattr(row, key, default)


def _describe(section, row) -> tuple[str, str]:
    """(main text, detail text) of one item for the table."""
    if section == vocab.SECTION_DAMAGES:
        kind = vocab.DAMAGE_KINDS.get(_get(row, "kind"), _get(row, "kind") or "")
        main = f"{_get(row, 'client_name', '')}: {_get(row, 'description', '') or ''}".rstrip(": ")
        cut = int(_get(row, "claimed") or 0) - int(_get(row, "recognized") or 0)
        if cut > 0:  # the reason goes into the same cell: the table keeps its rows and cells
            why = vocab.cut_reason_text(
                _get(row, "cut_reason_code", "") or "", _get(row, "cut_reason", "") or ""
            )
            # (the amounts cell prints 請求額 over 認定額: the cut itself needs no figure here)
            kind = f"{kind} ／ 減額理由: {why or '未記録'}"
        return main, kind
    if section == vocab.SECTION_EXPENSES:
        category = vocab.EXPENSE_CATEGORIES.get(_get(row, "category"), _get(row, "category"))
        return (_get(row, "description") or category or ""), category or ""
    work_date = _get(row, "work_date")
    if isinstance(work_date, datetime.date):
        work_date = ymd_ja(work_date)
    minutes = int(_get(row, "minutes") or 0)
    detail = (
        f"{work_date or '日付なし'} {minutes // 60}時間{minutes % 60:02d}分 × "
        f"時給{int(_get(row, 'hourly_rate') or 0):,}円 × {format_premium(_get(row, 'premium'))}"
    )
    task = vocab.TASKS.get(_get(row, "task"), "")
    return f"{_get(row, 'employee', '')} ({task})", detail


def _cut_reason(section, row) -> str:
    """Why a client's damage was recognized below what was claimed ("" when it was not)."""
    if section != vocab.SECTION_DAMAGES:
        return ""
    if int(_get(row, "claimed") or 0) <= int(_get(row, "recognized") or 0):
        return ""
    why = vocab.cut_reason_text(
        _get(row, "cut_reason_code", "") or "", _get(row, "cut_reason", "") or ""
    )
    return why or "未記録"


def _reason_text(reasons, missing) -> str:
    """The reasons cell of one item as a single text: titles with their Q&A references, then
    the evidence still missing. One text per table cell keeps the PDF render fast (WeasyPrint
    pays per element, not per character)."""
    text = "、".join(f"{r.title} ({r.qa})" for r in reasons)
    if missing:
        text = f"{text} 未提出: {'、'.join(missing)}".strip()
    return text


def _line(section, no, row, *, claimed, amount, decision, reasons, covered, missing=()):
    main, detail = _describe(section, row)
    reasons = [vocab.REASONS[c] for c in reasons if c in vocab.REASONS]
    missing = [vocab.EVIDENCE_KINDS.get(m, m) for m in missing]
    reason_text = _reason_text(reasons, missing)
    return {
        "no": no,
        "pk": _get(row, "pk"),
        "section": section,
        "client": _get(row, "client_name", "") if section == vocab.SECTION_DAMAGES else "",
        "cut_reason": _cut_reason(section, row),
        "description": main,
        "detail": detail,
        "claimed": claimed,
        "amount": amount,
        "decision": decision,
        "decision_label": vocab.DECISIONS.get(decision, decision),
        "covered": covered,
        "reasons": reasons,
        "reason_text": reason_text,
    }


def _claimed_of(section, row, amount):
    if section == vocab.SECTION_DAMAGES:
        return _get(row, "claimed")
    if section == vocab.SECTION_EXPENSES:
        return _get(row, "amount")
    return amount  # overtime: the claimed figure is the computed pay


def _sections_from_engine(claim):
    from coverage.adapters import claim_assessment

    ca = claim_assessment(claim)
    sections = {}
    no = 0
    for section, pairs in (
        (vocab.SECTION_DAMAGES, ca.damages),
        (vocab.SECTION_EXPENSES, ca.expenses),
        (vocab.SECTION_OVERTIME, ca.overtime),
    ):
        lines = []
        for row, d in pairs:
            no += 1
            lines.append(
                _line(
                    section,
                    no,
                    row,
                    claimed=_claimed_of(section, row, d.amount),
                    amount=d.amount,
                    decision=d.decision,
                    reasons=d.reasons,
                    covered=d.covered,
                    missing=d.missing,
                )
            )
        sections[section] = lines
    return sections, ca.assessment, ca.usage


def _sections_from_snapshot(claim, snapshot, sublimits):
    """The lines and pot totals exactly as approved (the Payout's frozen assessment), the
    sub-limits those in force then (claims.approvals.frozen.frozen_terms)."""
    result = snapshot.get("assessment") or {}
    by_id = {i.get("id"): i for i in result.get("items") or []}
    prefix = {vocab.SECTION_DAMAGES: "d", vocab.SECTION_EXPENSES: "e", vocab.SECTION_OVERTIME: "o"}
    sections, decisions = {}, []
    no = 0
    for section in (vocab.SECTION_DAMAGES, vocab.SECTION_EXPENSES, vocab.SECTION_OVERTIME):
        lines = []
        for row in (snapshot.get("items") or {}).get(section) or []:
            no += 1
            item = by_id.get(f"{prefix[section]}{row.get('pk')}", {})
            amount = item.get("amount", row.get("covered", 0))
            decision = item.get("decision", row.get("decision"))
            reasons = tuple(item.get("reasons", row.get("reasons") or ()))
            covered = item.get("covered", row.get("covered", 0))
            missing = tuple(item.get("missing") or ())
            category = (
                row.get("category")
                if section == vocab.SECTION_EXPENSES
                else (vocab.CATEGORY_OVERTIME if section == vocab.SECTION_OVERTIME else None)
            )
            decisions.append(
                engine.ItemDecision(
                    str(item.get("id")),
                    section,
                    amount,
                    decision,
                    reasons,
                    covered,
                    missing,
                    category,
                )
            )
            lines.append(
                _line(
                    section,
                    no,
                    row,
                    claimed=_claimed_of(section, row, amount),
                    amount=amount,
                    decision=decision,
                    reasons=reasons,
                    covered=covered,
                    missing=missing,
                )
            )
        sections[section] = lines

    def pot(name):
        p = result.get(name) or {}
        return engine.PotTotals(p.get("covered", 0), p.get("limit", 0), p.get("payable", 0))

    plan = claim.policy.plan
    assessment = engine.Assessment(
        plan=result.get("plan", plan.code),
        items=tuple(decisions),
        liability=pot("liability"),
        expenses=pot("expenses"),
        categories=engine.category_totals(tuple(decisions), sublimits),
        total_payable=result.get("total_payable", 0),
    )
    return sections, assessment


def css_safe(text) -> str:
    """Claim numbers go into a CSS string (the page header): keep only harmless characters."""
    return re.sub(r"[^0-9A-Za-z_.-]", "", str(text))[:40]


def settlement_context(claim, *, version=None) -> dict:
    """Everything the settlement summary prints; numbers from the engine or the payout."""
    from claims.models import Claim

    claim = Claim.objects.select_related(
        "policy__insured", "policy__plan", "incident", "handler"
    ).get(pk=claim.pk)
    from claims.approvals.frozen import frozen_terms
    from claims.approvals.payouts import (
        RECOVERED,
        decided_payout,
        item_mark,
        items_before,
        next_payment,
    )
    from claims.approvals.policy_limits import usage_from_snapshot
    from claims.models import Recovery

    payout = decided_payout(claim)
    plan = claim.policy.plan
    if payout is not None and payout.snapshot.get("assessment"):
        # a decided claim prints what was decided, limits and sub-limits included
        plan = frozen_terms(payout)
        sections, assessment = _sections_from_snapshot(claim, payout.snapshot, plan.sublimits)
        usage = usage_from_snapshot(payout.snapshot)
    else:
        sections, assessment, usage = _sections_from_engine(claim)
    # Limits are per policy (Q6): per pot and sub-limit, what other claims used and what
    # was left, when they used any.
    policy_rows = {
        row["key"]: row
        for row in (usage.pots(assessment) if usage is not None and usage.any_used else [])
    }
    categories = [
        {
            "label": vocab.SUBLIMIT_CATEGORIES.get(c.category, c.category),
            "covered": c.covered,
            "sublimit": c.sublimit,
            "allowed": c.allowed,
            "capped": c.sublimit is not None and c.covered > c.sublimit,
            "policy": policy_rows.get(c.category),
        }
        for c in assessment.categories
    ]
    groups = []
    for section, lines in sections.items():
        if lines:
            groups.append(
                {
                    "title": SECTION_TITLES[section],
                    # what its covered lines rest on: once per group, not a line per item
                    "basis": vocab.covered_basis(section),
                    "lines": lines,
                    "claimed": sum(int(ln["claimed"] or 0) for ln in lines),
                    "amount": sum(int(ln["amount"] or 0) for ln in lines),
                    "covered": sum(int(ln["covered"] or 0) for ln in lines),
                }
            )
    used = {r.code for g in groups for ln in g["lines"] for r in ln["reasons"]}
    # This payment: the payout's, or what approving today's assessment would pay.
    due = None if payout is not None else next_payment(claim, assessment)
    previously_paid = payout.previously_paid if payout is not None else due.previously_paid
    # After an earlier payment, each line says whether it is new or changed since then.
    # Refunds asked since the decided payout are printed after the total (what the insured
    # gives back); earlier ones (and all of an undecided claim's) are already netted in
    # what was paid (next_payment): named on that line, never deducted a second time.
    refunds = list(
        Recovery.objects.filter(claim=claim, status__in=RECOVERED).order_by("requested_at")
    )
    since = [r for r in refunds if payout is not None and r.requested_at >= payout.approved_at]
    netted = [r for r in refunds if r not in since]
    before = items_before(claim, payout)
    for group in groups:
        for ln in group["lines"]:
            ln["mark"] = item_mark(before, ln["section"], ln["pk"], int(ln["covered"] or 0))
    return {
        "claim": claim,
        "css_claim_number": css_safe(claim.number),
        "insured": claim.policy.insured,
        "policy": claim.policy,
        "plan": plan,
        "incident": claim.incident,
        "payout": payout,
        "reasons_used": [r for code, r in vocab.REASONS.items() if code in used],
        "groups": groups,
        "marked": any(ln["mark"] for g in groups for ln in g["lines"]),
        "line_count": sum(len(g["lines"]) for g in groups),
        "assessment": assessment,
        "liability": assessment.liability,
        "expenses": assessment.expenses,
        "liability_capped": assessment.liability.covered > assessment.liability.limit,
        "expenses_capped": sum(c["allowed"] for c in categories) > assessment.expenses.limit,
        "expenses_allowed": sum(c["allowed"] for c in categories),
        "categories": categories,
        "liability_policy": policy_rows.get("liability"),
        "expenses_policy": policy_rows.get("expenses"),
        "limit_cuts": [row for row in policy_rows.values() if row["reduced"]],
        # With earlier payments the totals table also prints the cumulative figure and them.
        "cumulative_payable": assessment.total_payable,
        "previously_paid": previously_paid,
        "total_payable": payout.amount if payout is not None else due.amount,
        # reassessed below what was paid: what the insured is asked to give back instead
        "overpayment": due.overpayment if due is not None else 0,
        "refunds": since,
        "refunds_netted": netted,
        "issued_on": timezone.localdate(),
        "version": version,
        # sent to the insured: the insurer's letterhead; before approval a draft (「案」)
        "letterhead": letterhead(claim),
        "draft": payout is None,
    }


# --- the document-request letter ---------------------------------------------------------


def _request_item(item) -> dict:
    """One requested item, whatever shape #6 stores: a code, a text or a dict."""
    kinds = dict(DocumentKind.choices)
    if isinstance(item, Mapping):
        code = item.get("kind") or item.get("code") or ""
        label = item.get("label") or item.get("title") or kinds.get(code) or code
        note = item.get("note") or item.get("detail") or item.get("reason") or ""
        target = item.get("target") or item.get("item") or ""
        return {"label": str(label), "note": str(note), "target": str(target)}
    text = str(item)
    return {"label": kinds.get(text) or vocab.EVIDENCE_KINDS.get(text) or text, "note": ""}


def request_letter_context(request, *, version=None) -> dict:
    from claims.models import Claim

    claim = Claim.objects.select_related(
        "policy__insured", "policy__plan", "incident", "handler"
    ).get(pk=request.claim_id)
    items = request.items if isinstance(request.items, list) else []
    return {
        "claim": claim,
        "css_claim_number": css_safe(claim.number),
        "insured": claim.policy.insured,
        "policy": claim.policy,
        "plan": claim.policy.plan,
        "incident": claim.incident,
        "request": request,
        "previous": followup.previous_open_request(request),
        "items": [_request_item(i) for i in items],
        "issued_on": timezone.localdate(),
        "version": version,
        "letterhead": letterhead(claim),
    }
