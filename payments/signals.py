"""`payout_paid`: the claims app's signal (claims.signals.payout_paid), sent after commit for
each payout a batch marks paid, with `payout`, `by` (who recorded the bank's confirmation)
and `batch`. The documents app listens and queues the insured's payment letter
(保険金お支払のご案内), as it does when a supervisor marks a payout paid on the claim."""

from claims.signals import payout_paid

__all__ = ["payout_paid"]
