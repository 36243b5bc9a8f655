"""The documents app's answers to what the claims app announces (claims.signals).

Connected in DocumentsConfig.ready, so claims never imports documents.
"""

from django.dispatch import receiver

from claims import signals
from documents import rendering, services


@receiver(signals.completion_check_needed, dispatch_uid="documents.sync_completion")
def sync_completion(sender, *, claim, **kwargs):
    services.documents_sync_completion(claim=claim)


@receiver(signals.documents_requested, dispatch_uid="documents.request")
def request_documents(sender, *, claim, by, message="", **kwargs):
    services.documents_request(claim=claim, by=by, message=message)


@receiver(signals.payout_approved, dispatch_uid="documents.settlement_summary")
def render_settlement_summary(sender, *, claim, by, **kwargs):
    rendering.enqueue_render(claim=claim, kind="settlement_summary", by=by)


@receiver(signals.payout_paid, dispatch_uid="documents.payment_letter")
def render_payment_letter(sender, *, payout, by, **kwargs):
    rendering.enqueue_payment_letter(payout=payout, by=by)
