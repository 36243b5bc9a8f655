"""/claims/: the queue and workload (claims.queue), intake (claims.intake), the claim page
(claims.claim_page)."""

from django.urls import path

from claims.claim_page import views as page
from claims.intake import views as intake
from claims.queue import views as queue
from claimsdesk import converters  # noqa: F401  (registers claimnumber, name)

app_name = "claims"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("assign/", queue.queue_assign, name="assign"),
    path("workload/", queue.workload, name="workload"),
    path("export.csv", queue.queue_csv, name="queue_csv"),
    path("new/", intake.claim_new, name="new"),
    path("new/policies/", intake.policy_lookup, name="policy_lookup"),
    path("new/duplicates/", intake.intake_duplicates, name="intake_duplicates"),
    path("<claimnumber:number>/", page.claim_detail, name="detail"),
    path("<claimnumber:number>/facts/", page.claim_facts, name="facts"),
    path("<claimnumber:number>/action/", page.claim_action, name="action"),
    path("<claimnumber:number>/notes/", page.claim_note, name="note"),
    path("<claimnumber:number>/next/", page.claim_next_action, name="next_action"),
    path("<claimnumber:number>/tasks/", page.claim_task_add, name="task_add"),
    path("<claimnumber:number>/tasks/<int:pk>/done/", page.claim_task_done, name="task_done"),
    path(
        "<claimnumber:number>/send-back-request/",
        page.claim_send_back_request,
        name="send_back_request",
    ),
    path("<claimnumber:number>/duplicates/", page.claim_duplicates, name="duplicates"),
    path("<claimnumber:number>/<name:section>/add/", page.item_add, name="item_add"),
    path("<claimnumber:number>/<name:section>/<int:pk>/edit/", page.item_edit, name="item_edit"),
    path(
        "<claimnumber:number>/<name:section>/<int:pk>/delete/",
        page.item_delete,
        name="item_delete",
    ),
]
