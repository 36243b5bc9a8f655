from django.urls import path

from claimsdesk import converters  # noqa: F401  (registers claimnumber, name)
from documents import views

app_name = "documents"

urlpatterns = [
    path("<int:pk>/", views.download, name="download"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/reclassify/", views.reclassify, name="reclassify"),
    path("claims/<claimnumber:number>/", views.panel, name="panel"),
    path("claims/<claimnumber:number>/upload/", views.upload, name="upload"),
    path("claims/<claimnumber:number>/request/", views.request_documents, name="request"),
    path("requests/<int:pk>/letter/", views.request_letter, name="request_letter"),
    path("requests/letters/", views.request_letters, name="request_letters"),
    path("requests/bulk/", views.bulk_request, name="bulk_request"),
]
