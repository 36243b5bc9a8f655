"""What the claims app announces; the documents app, a layer above it, acts on it.

claims never imports documents (an import-linter contract, pyproject.toml). Where a change
to a claim must reach its documents (the checklist's payment clock, a request letter, the
settlement PDF), claims sends one of these signals and documents connects its receivers in
DocumentsConfig.ready (documents/receivers.py). Receivers run in the sender's transaction
and their exceptions (a ClaimError) reach the sender's caller.
"""

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

# A claim's items changed, or its payment clock was reset: check again whether its documents
# are complete (this starts or stops the 30-day payment clock). Sent with claim=.
completion_check_needed = Signal()

# The desk asks for the missing documents: record the request (and its letter) and move the
# claim. Sent with claim=, by=, message=; it must have a receiver (send_required).
documents_requested = Signal()

# A payout was approved and committed: render the settlement summary PDF. Sent with claim=,
# by= (the approver).
payout_approved = Signal()

# A payout was marked paid and committed: render the insured's 保険金お支払のご案内. Sent with
# payout=, by= (who recorded the payment).
payout_paid = Signal()


def send_required(signal: Signal, sender, **kwargs) -> None:
    """Send a signal that must be acted on: with no receiver connected, fail loudly."""
    if not signal.has_listeners(sender):
        raise ImproperlyConfigured("no receiver connected for a claims signal (documents app?)")
    signal.send(sender=sender, **kwargs)
