"""Claim-page panel for supporting documents and checklists (#6).

Foundation placeholder: renders nothing until issue #6 fills it in.
"""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def claim_documents_panel(context, claim):
    return ""
