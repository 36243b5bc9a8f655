"""Handler desk views. (Foundation placeholder: the real queue, intake and claim page come in #5.)"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from claims import permissions
from claims.models import Claim


@login_required
def queue(request):
    claims = (
        Claim.objects.filter(permissions.visible_claims_q(request.user))
        .select_related("policy__insured", "incident", "handler")
        .order_by("-reported_at", "-id")[:50]
    )
    return render(request, "claims/queue.html", {"claims": claims})


@login_required
def claim_new(request):
    return render(request, "claims/queue.html", {"claims": []})


@login_required
def claim_detail(request, number):
    claim = get_object_or_404(Claim.objects.select_related("policy__insured"), number=number)
    if not permissions.can_view(request.user, claim):
        raise Http404
    return render(request, "claims/queue.html", {"claims": [claim]})
