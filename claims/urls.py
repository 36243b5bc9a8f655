from django.urls import path

from claims import views
from claimsdesk import converters  # noqa: F401  (registers claimnumber, name)

app_name = "claims"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("assign/", views.queue_assign, name="assign"),
    path("workload/", views.workload, name="workload"),
    path("export.csv", views.queue_csv, name="queue_csv"),
    path("new/", views.claim_new, name="new"),
    path("new/policies/", views.policy_lookup, name="policy_lookup"),
    path("new/duplicates/", views.intake_duplicates, name="intake_duplicates"),
    path("<claimnumber:number>/", views.claim_detail, name="detail"),
    path("<claimnumber:number>/facts/", views.claim_facts, name="facts"),
    path("<claimnumber:number>/action/", views.claim_action, name="action"),
    path("<claimnumber:number>/notes/", views.claim_note, name="note"),
    path("<claimnumber:number>/next/", views.claim_next_action, name="next_action"),
    path("<claimnumber:number>/tasks/", views.claim_task_add, name="task_add"),
    path("<claimnumber:number>/tasks/<int:pk>/done/", views.claim_task_done, name="task_done"),
    path(
        "<claimnumber:number>/send-back-request/",
        views.claim_send_back_request,
        name="send_back_request",
    ),
    path("<claimnumber:number>/duplicates/", views.claim_duplicates, name="duplicates"),
    path("<claimnumber:number>/<name:section>/add/", views.item_add, name="item_add"),
    path("<claimnumber:number>/<name:section>/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path(
        "<claimnumber:number>/<name:section>/<int:pk>/delete/",
        views.item_delete,
        name="item_delete",
    ),
]
