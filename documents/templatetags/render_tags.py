"""Claim-page panel for the settlement-summary PDF and its render status (#8)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def claim_render_panel(context, claim):
    from documents.render_views import render_panel

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return render_panel(request, claim)
