"""Claim-page panel for the settlement-summary PDF and its render status (#8).

Foundation placeholder: renders nothing until issue #8 fills it in.
"""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def claim_render_panel(context, claim):
    return ""
