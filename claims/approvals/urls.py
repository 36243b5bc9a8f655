from django.urls import path

from claims.approvals import views as approval_views
from claimsdesk import converters  # noqa: F401  (registers claimnumber, name)

app_name = "approvals"

urlpatterns = [
    path("", approval_views.approval_queue, name="queue"),
    path("next/", approval_views.approval_next, name="next"),
    path("<claimnumber:number>/", approval_views.approval_detail, name="detail"),
    path("<claimnumber:number>/approve/", approval_views.approve, name="approve"),
    path("<claimnumber:number>/send-back/", approval_views.send_back, name="send_back"),
    path("<claimnumber:number>/reject/", approval_views.reject, name="reject"),
    path("<claimnumber:number>/paid/", approval_views.mark_paid, name="mark_paid"),
    path("<claimnumber:number>/reopen/", approval_views.reopen, name="reopen"),
    path("<claimnumber:number>/extend/", approval_views.extend, name="extend"),
    path("<claimnumber:number>/recover/", approval_views.recover, name="recover"),
    path(
        "<claimnumber:number>/recoveries/<int:pk>/settle/",
        approval_views.settle_recovery,
        name="settle_recovery",
    ),
]
