"""The two letters Q1 sends the insured, in its order: what their damage was assessed at
(損害額のご案内) and what was paid, when and to which account (保険金お支払のご案内).

Both are built on the settlement summary's figures (documents.pdf_context: the engine's
assessment, or the approved payout's snapshot) and carry the insurer's letterhead
(documents.letterhead). A letter printed before approval is a draft: 「案」 in its title and a
faint 案 on every page.

The payment letter's account: `payout_account(payout)` is the hook for the payments app's
bank account (the 振込先口座). It returns None until that app provides one; the letter
then says ご指定の口座. Any object with the attributes `account_view` reads works (see there).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from django.utils import timezone

from coverage import vocab
from documents.letterhead import letterhead
from documents.pdf_context import css_safe, settlement_context

# --- 損害額のご案内 -------------------------------------------------------------------------

# Q1 step 4-5: once the amounts are known, the insured settles with its clients and sends these.
NEXT_DOCUMENTS = (
    ("claim_form", "保険金請求書", "当社所定の様式にご記入・ご捺印のうえご提出ください。"),
    (
        "settlement_agreement",
        "示談書 または 示談確認書",
        "顧問先との間で、上記の損害額にて示談が成立したことを確認できるもの。",
    ),
    (
        "payment_record",
        "支払明細 (出金の記録)",
        "顧問先へのお支払、または費用のお支払を確認できる振込明細・領収書など。",
    ),
)


def _why(line) -> str:
    """The reason printed on a line: the cut, the exclusion (Q&A with its explanation), or
    what is still missing; "" for a line paid as claimed."""
    parts = []
    if line["cut_reason"]:
        parts.append(f"減額理由: {line['cut_reason']}")
    if line["decision"] == vocab.DECISION_EXCLUDED:
        parts += [f"対象外: {r.title} ({r.qa}) {r.explanation}" for r in line["reasons"]]
    elif line["decision"] == vocab.DECISION_PENDING:
        parts.append(f"保留: {line['reason_text']}" if line["reason_text"] else "保留")
    return "\n".join(parts)


def _letter_line(line) -> dict:
    claimed = int(line["claimed"] or 0)
    covered = int(line["covered"] or 0)
    reduced = bool(line["cut_reason"]) or (
        line["decision"] != vocab.DECISION_EXCLUDED and covered < claimed
    )
    return {
        **line,
        "why": _why(line),
        "css": (
            "excluded"
            if line["decision"] == vocab.DECISION_EXCLUDED
            else ("reduced" if reduced else line["decision"])
        ),
    }


def _by_client(lines) -> list[dict]:
    clients: OrderedDict[str, dict] = OrderedDict()
    for ln in lines:
        c = clients.setdefault(
            ln["client"], {"name": ln["client"], "claimed": 0, "recognized": 0, "covered": 0}
        )
        c["claimed"] += int(ln["claimed"] or 0)
        c["recognized"] += int(ln["amount"] or 0)
        c["covered"] += int(ln["covered"] or 0)
    return list(clients.values())


def _next_documents(claim, has_damages: bool) -> list[dict]:
    """What the insured must send next, with what is already on file marked."""
    from documents.models import Document

    on_file = set(
        Document.objects.filter(claim=claim, deleted_at__isnull=True)
        .values_list("kind", flat=True)
        .distinct()
    )
    return [
        {"kind": kind, "label": label, "note": note, "received": kind in on_file}
        for kind, label, note in NEXT_DOCUMENTS
        if has_damages or kind != "settlement_agreement"
    ]


def damage_letter_context(claim, *, version=None) -> dict:
    """損害額のご案内: the assessed amounts per client and per cost, the reason on each
    reduced or excluded line, and the claim documents the insured sends next."""
    ctx = settlement_context(claim, version=version)
    damages, costs = [], []
    for group in ctx["groups"]:
        for ln in group["lines"]:
            line = _letter_line(ln)
            (damages if ln["section"] == vocab.SECTION_DAMAGES else costs).append(line)
    claim = ctx["claim"]
    # A claim closed with a refund request stands on its last payout less the refunds asked
    # since (ctx["refunds"]; earlier ones are netted in what it was paid: refunds_netted).
    refunds = ctx["refunds"]
    ctx.update(
        {
            "kept_after_refunds": (
                (ctx["payout"].cumulative - sum(r.amount for r in refunds)) if refunds else 0
            ),
            "damage_lines": damages,
            "cost_lines": costs,
            "clients": _by_client(damages),
            "damages_total": {
                "claimed": sum(int(ln["claimed"] or 0) for ln in damages),
                "recognized": sum(int(ln["amount"] or 0) for ln in damages),
                "covered": sum(int(ln["covered"] or 0) for ln in damages),
            },
            "costs_total": {
                "claimed": sum(int(ln["claimed"] or 0) for ln in costs),
                "covered": sum(int(ln["covered"] or 0) for ln in costs),
            },
            "next_documents": _next_documents(claim, bool(damages)),
            "title": "損害額のご案内",
        }
    )
    return ctx


# --- 保険金お支払のご案内 -------------------------------------------------------------------


@dataclass(frozen=True)
class AccountView:
    """What a letter prints of a bank account: never the whole number."""

    bank: str
    branch: str
    kind: str
    masked_number: str
    holder: str

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.bank, self.branch, self.kind, self.masked_number) if p)


def mask_account_number(number) -> str:
    """****567: the last three digits only (an account number is 7 digits in Japan)."""
    digits = "".join(ch for ch in str(number or "") if ch.isdigit())
    if not digits:
        return ""
    return "****" + digits[-3:]


def _attr(obj, *names, default=""):
    for name in names:
        value = getattr(obj, name, None)
        if callable(value):
            value = value()
        if value:
            return str(value)
    return default


def account_view(account) -> AccountView | None:
    """Adapt a bank account object (the payments app's, or a test's stand-in) for a letter.

    Reads bank_name/branch_name (or bank_code/branch_code), get_account_type_display (or
    account_type_label, account_type), account_number (or number), holder_name (or
    holder_kana, holder)."""
    if account is None:
        return None
    bank = _attr(account, "bank_name") or _attr(account, "bank_code")
    branch = _attr(account, "branch_name") or _attr(account, "branch_code")
    if branch and not branch.endswith("支店") and _attr(account, "branch_name"):
        branch = f"{branch}支店"
    return AccountView(
        bank=bank,
        branch=branch,
        kind=_attr(account, "get_account_type_display", "account_type_label", "account_type"),
        masked_number=mask_account_number(_attr(account, "account_number", "number")),
        holder=_attr(account, "holder_name", "holder_kana", "holder"),
    )


def payout_account(payout):
    """INTEGRATION HOOK: the bank account `payout` was (or will be) paid to, or None.

    The payments app (振込先口座, issue 19 item 3) wires its account in here: return the
    account the payout's batch paid to, or else the insured's confirmed account. Until
    then there is no account model and the letter says ご指定の口座.
    """
    try:
        from payments.selectors import payout_account as lookup  # type: ignore[import-not-found]
    except ImportError:
        return None
    return lookup(payout)


def payment_letter_context(payout, *, account=None, version=None) -> dict:
    """保険金お支払のご案内: what is paid (by pot), when, how and to which account (masked).

    `account`: the bank account to print; None asks `payout_account(payout)`. A payout not
    yet paid prints as a draft (「案」, watermark) with 支払予定."""
    from claims.models import Claim, Payout

    claim = Claim.objects.select_related(
        "policy__insured", "policy__plan", "incident", "handler"
    ).get(pk=payout.claim_id)
    if account is None:
        account = payout_account(payout)
    paid = payout.status == Payout.Status.PAID and payout.paid_on is not None
    return {
        "claim": claim,
        "css_claim_number": css_safe(claim.number),
        "insured": claim.policy.insured,
        "policy": claim.policy,
        "plan": claim.policy.plan,
        "incident": claim.incident,
        "payout": payout,
        "paid": paid,
        "account": account_view(account),
        "issued_on": timezone.localdate(),
        "version": version,
        "letterhead": letterhead(claim),
        "draft": not paid,
        "title": "保険金お支払のご案内",
    }
