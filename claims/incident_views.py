"""Incident register. (Foundation placeholder: the register comes in #7.)"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from claims.models import Incident


@login_required
def incident_list(request):
    return render(
        request, "claims/incidents_placeholder.html", {"incidents": Incident.objects.all()}
    )
