from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.claim_new, name="new"),
    path("<str:number>/", views.claim_detail, name="detail"),
]
