"""`payout_paid`: sent (after commit) for each payout a batch marks paid, with `payout` and
`batch`. The payment letter (保険金お支払のご案内) is queued by whoever listens."""

from django.dispatch import Signal

payout_paid = Signal()
