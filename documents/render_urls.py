from django.urls import path

from documents import render_views

app_name = "renders"

urlpatterns = [
    path("<str:number>/status/", render_views.status, name="status"),
    path("<str:number>/generate/<str:kind>/", render_views.generate, name="generate"),
]
