from django.urls import path

from claims import incident_views

app_name = "incidents"

urlpatterns = [
    path("", incident_views.incident_list, name="list"),
]
