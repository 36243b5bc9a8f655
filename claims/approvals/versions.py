"""What a supervisor saw: a version of the claim that the approval form carries.

An approval binds to the page the supervisor read, not only to its total: a claim sent back,
changed (another client, the same total) and sent again is a different claim, and an
approval posted from the old page is refused (claims.approvals.payouts.payout_approve). The version
is a hash over

- the facts the engine reads (the reported facts, the policy and its plan's limits, the
  incident),
- every item's fields (amounts, kinds, causes, evidence ticked, ...),
- the linked documents (each live document's kind, links and content hash),
- the submission (the last send-to-approval's StatusChange id),
- the live payouts and refunds that the payment is the difference from.
"""

from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.forms.models import model_to_dict

CHANGED = "内容が変わりました。最新の内容を確認してから承認してください。"
# Item fields that record who and when, not what: they do not change what is approved.
_BOOKKEEPING = ["claim", "created_by", "updated_by", "created_at", "updated_at"]


def claim_version(claim) -> str:
    from claims.models import Claim, ClientDamage, Expense, OvertimeEntry, StatusChange
    from claims.services import FACT_FIELDS
    from documents.models import DESK_KINDS, Document

    plan = claim.policy.plan
    data = {
        "facts": {name: getattr(claim, name) for name in FACT_FIELDS},
        "policy": [claim.policy_id, plan.pk, plan.liability_limit, plan.expense_limit],
        "incident": [claim.incident_id, claim.incident.leak_or_threat],
        "items": {
            model.__name__: [
                {"pk": row.pk, **model_to_dict(row, exclude=_BOOKKEEPING)}
                for row in model.objects.filter(claim_id=claim.pk).order_by("pk")
            ]
            for model in (ClientDamage, Expense, OvertimeEntry)
        },
        "documents": list(
            Document.objects.filter(claim_id=claim.pk, deleted_at__isnull=True)
            .exclude(kind__in=DESK_KINDS)
            .order_by("pk")
            .values_list("pk", "kind", "damage_id", "overtime_entry_id", "sha256")
        ),
        "submission": StatusChange.objects.filter(
            claim_id=claim.pk, to_status=Claim.Status.AWAITING_APPROVAL
        )
        .order_by("-at", "-id")
        .values_list("pk", flat=True)
        .first(),
        "payouts": list(claim.payouts.order_by("pk").values_list("pk", "status", "amount")),
        "recoveries": list(claim.recoveries.order_by("pk").values_list("pk", "status", "amount")),
    }
    encoded = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()[:32]
