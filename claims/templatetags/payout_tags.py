"""Claim-page panels for approvals, payouts, the payment clock and the audit timeline (#7).

Foundation placeholders: each renders nothing until issue #7 fills it in.
"""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def claim_payout_panel(context, claim):
    return ""


@register.simple_tag(takes_context=True)
def claim_timeline(context, claim):
    return ""


@register.simple_tag
def payment_clock(claim):
    return ""
