"""Supervisor approvals. (Foundation placeholder: the approval queue comes in #7.)"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from claims import permissions
from claims.models import Claim


@login_required
def approval_queue(request):
    if not permissions.is_supervisor(request.user):
        raise PermissionDenied
    claims = Claim.objects.filter(status=Claim.Status.AWAITING_APPROVAL).select_related(
        "policy__insured", "incident", "handler"
    )
    return render(request, "claims/queue.html", {"claims": claims})
