from django.urls import path

from claims import approval_views

app_name = "approvals"

urlpatterns = [
    path("", approval_views.approval_queue, name="queue"),
]
