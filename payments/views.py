"""振込先口座 and 総合振込 batches. Thin views: every write through payments.services, every
refusal (ClaimError, ValidationError) shown as a message or a field error, never a 500."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from claims import permissions
from claims.clock import payment_clock
from claims.models import Claim, Insured
from claims.services import ClaimError
from payments import banks, selectors, services
from payments.forms import AccountForm, BatchForm, PaidForm, ReasonForm, ReturnForm
from payments.models import BankAccount, BatchItem, PaymentBatch


def _require_payer(user):
    if not services.is_payer(user):
        raise PermissionDenied


def _may_see_insured(user, insured) -> bool:
    if services.is_payer(user) or permissions.sees_all(user):
        return True
    return Claim.objects.filter(
        permissions.visible_claims_q(user), policy__insured=insured
    ).exists()


# --- accounts ---------------------------------------------------------------------------


@login_required
def account(request, pk):
    insured = get_object_or_404(Insured, pk=pk)
    if not _may_see_insured(request.user, insured):
        raise PermissionDenied
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_enter(insured=insured, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for e in errors:
                    form.add_error(field if field in form.fields else None, e)
        except ClaimError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "口座を登録しました。別の担当者の確認後に振込に使えます。")
            return redirect("payments:account", pk=insured.pk)
    accounts = BankAccount.objects.filter(insured=insured).select_related(
        "entered_by", "confirmed_by"
    )
    return render(
        request,
        "payments/account.html",
        {"insured": insured, "form": form, "accounts": accounts},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def account_decide(request, pk, decision):
    account = get_object_or_404(BankAccount.objects.select_related("insured"), pk=pk)
    if not _may_see_insured(request.user, account.insured):
        raise PermissionDenied
    try:
        if decision == "confirm":
            services.account_confirm(account=account, by=request.user)
            messages.success(request, "口座を確認しました。")
        else:
            services.account_reject(account=account, by=request.user)
            messages.success(request, "口座変更を差し戻しました。")
    except ClaimError as exc:
        messages.error(request, str(exc))
    return redirect("payments:account", pk=account.insured_id)


@login_required
@require_GET
def bank_lookup(request):
    """htmx: the bank and branch names for the codes typed so far."""
    bank_code = request.GET.get("bank_code", "").strip()
    branch_code = request.GET.get("branch_code", "").strip()
    text, ok = "", True
    if len(bank_code) == 4 and bank_code.isascii() and bank_code.isdigit():
        found = banks.lookup(bank_code, branch_code if len(branch_code) == 3 else "")
        if found is None:
            text, ok = "該当する金融機関がありません", False
        else:
            text = found.bank_name
            if len(branch_code) == 3:
                if found.branch_name:
                    text += f" {found.branch_name}"
                else:
                    text, ok = f"{found.bank_name}: 該当する支店がありません", False
    return render(request, "payments/_bank_lookup.html", {"text": text, "ok": ok})


# --- batches ----------------------------------------------------------------------------


@login_required
def batches(request):
    _require_payer(request.user)
    form = BatchForm(request.POST or None, initial={"transfer_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_create(
                by=request.user, transfer_date=form.cleaned_data["transfer_date"]
            )
        except ClaimError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"振込バッチを作成しました ({batch.count}件)。")
            return redirect("payments:batch", pk=batch.pk)
    candidates = list(services.approved_payouts()[:500])
    problems = services.payout_problems(candidates)
    rows = [(p, problems.get(p.pk)) for p in candidates]
    ready = [p for p, problem in rows if not problem]
    today = timezone.localdate()
    unbatched = [(p, payment_clock(p.claim, today)) for p in selectors.unbatched_due(today)]
    return render(
        request,
        "payments/batches.html",
        {
            "form": form,
            "rows": rows,
            "ready_count": len(ready),
            "ready_total": sum(p.amount for p in ready),
            "batches": PaymentBatch.objects.select_related("created_by")[:50],
            "batches_due": selectors.batches_due(),
            "unbatched_due": unbatched,
        },
        status=400 if form.errors else 200,
    )


@login_required
def batch(request, pk):
    _require_payer(request.user)
    batch = get_object_or_404(PaymentBatch, pk=pk)
    items = BatchItem.objects.filter(batch=batch).select_related(
        "payout__claim__policy__insured", "account"
    )
    return render(
        request,
        "payments/batch.html",
        {
            "batch": batch,
            "items": items,
            "paid_form": PaidForm(initial={"paid_on": batch.transfer_date}),
            "cancel_form": ReasonForm(),
            "return_form": ReturnForm(initial={"returned_on": timezone.localdate()}),
        },
    )


@login_required
def batch_file(request, pk):
    _require_payer(request.user)
    batch = get_object_or_404(PaymentBatch, pk=pk)
    try:
        data = services.batch_file(batch=batch, by=request.user)
    except ClaimError as exc:
        messages.error(request, str(exc))
        return redirect("payments:batch", pk=batch.pk)
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="zengin-sogo-{batch.pk}.txt"'
    return response


def _post(request, pk, form_class, action, done):
    _require_payer(request.user)
    batch = get_object_or_404(PaymentBatch, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("payments:batch", pk=batch.pk)
    try:
        action(batch, form.cleaned_data)
    except ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("payments:batch", pk=batch.pk)


@login_required
@require_POST
def batch_paid(request, pk):
    return _post(
        request,
        pk,
        PaidForm,
        lambda b, d: services.batch_mark_paid(batch=b, by=request.user, **d),
        "振込済みとして記録しました。",
    )


@login_required
@require_POST
def batch_cancel(request, pk):
    return _post(
        request,
        pk,
        ReasonForm,
        lambda b, d: services.batch_cancel(batch=b, by=request.user, **d),
        "振込バッチを取り消しました。支払は新しいバッチに入れられます。",
    )


@login_required
@require_POST
def item_return(request, pk):
    _require_payer(request.user)
    row = get_object_or_404(BatchItem, pk=pk)

    def act(b, d):
        services.item_return(item=row, by=request.user, **d)

    return _post(
        request, row.batch_id, ReturnForm, act, "資金返却を記録しました。支払は再度振込できます。"
    )
