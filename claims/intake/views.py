"""Intake: the accident report (事故連絡票), its policy search and the duplicate warning."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from claims import permissions, services
from claims.intake.forms import ClaimIntakeForm, policy_search
from claims.services import ClaimError
from claimsdesk.formdata import is_id

# --- intake ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def claim_new(request):
    if not permissions.is_desk_user(request.user):
        raise PermissionDenied
    query = request.GET.get("policy_q", "")
    if request.method == "POST":
        form = ClaimIntakeForm(request.POST, policy_query=request.POST.get("policy_q", ""))
        if form.is_valid():
            submit = request.POST.get("action") == "submit"
            try:
                claim = services.claim_create(by=request.user, submit=submit, **form.cleaned_data)
            except ClaimError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"事故連絡票を{'受け付けました' if submit else '下書き保存しました'} (事故番号 {claim.number})。",
                )
                return redirect("claims:detail", claim.number)
        status = 400
    else:
        initial = {}
        if is_id(request.GET.get("policy", "")):
            initial["policy"] = int(request.GET["policy"])
        form = ClaimIntakeForm(initial=initial, policy_query=query)
        status = 200
    chosen = form["policy"].value()
    options = form.policy_options
    if chosen and is_id(str(chosen)) and all(str(p.pk) != str(chosen) for p in options):
        extra = form.fields["policy"].queryset.filter(pk=int(chosen)).first()
        if extra:
            options = [extra, *options]
    return render(
        request,
        "claims/claim_new.html",
        {"form": form, "policy_options": options, "policy_q": query, "chosen": str(chosen or "")},
        status=status,
    )


@login_required
@require_GET
def policy_lookup(request):
    """htmx: the <option>s of the intake form's policy select for a search text."""
    if not permissions.is_desk_user(request.user):
        raise PermissionDenied
    options = policy_search(request.GET.get("policy_q", ""))
    return render(
        request,
        "claims/_policy_options.html",
        {"policy_options": options, "chosen": request.GET.get("policy", "")},
    )


@login_required
@require_GET
def intake_duplicates(request):
    """htmx: warn on the intake form when the chosen policy already has an open claim on
    the chosen incident (a likely second report). Warns only; filing stays possible."""
    if not permissions.is_desk_user(request.user):
        raise PermissionDenied
    policy, incident = request.GET.get("policy", ""), request.GET.get("incident", "")
    duplicates = []
    if is_id(policy) and is_id(incident):
        duplicates = services.possible_duplicates(
            user=request.user, policy_id=int(policy), incident_id=int(incident)
        )
    return render(request, "claims/_duplicates.html", {"duplicates": duplicates})
