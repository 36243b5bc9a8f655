from django.urls import path

from claimsdesk import converters  # noqa: F401  (registers claimnumber, name)
from documents import render_views

app_name = "renders"

urlpatterns = [
    path("<claimnumber:number>/status/", render_views.status, name="status"),
    path("<claimnumber:number>/generate/<name:kind>/", render_views.generate, name="generate"),
]
