from django.urls import path

from claims import approval_views

app_name = "approvals"

urlpatterns = [
    path("", approval_views.approval_queue, name="queue"),
    path("<str:number>/", approval_views.approval_detail, name="detail"),
    path("<str:number>/approve/", approval_views.approve, name="approve"),
    path("<str:number>/send-back/", approval_views.send_back, name="send_back"),
    path("<str:number>/reject/", approval_views.reject, name="reject"),
    path("<str:number>/paid/", approval_views.mark_paid, name="mark_paid"),
    path("<str:number>/reopen/", approval_views.reopen, name="reopen"),
    path("<str:number>/extend/", approval_views.extend, name="extend"),
    path("<str:number>/recover/", approval_views.recover, name="recover"),
    path(
        "<str:number>/recoveries/<int:pk>/settle/",
        approval_views.settle_recovery,
        name="settle_recovery",
    ),
]
