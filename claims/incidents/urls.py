from django.urls import path

from claims.incidents import views as incident_views

app_name = "incidents"

urlpatterns = [
    path("", incident_views.incident_list, name="list"),
    path("<int:pk>/", incident_views.incident_detail, name="detail"),
    path("<int:pk>/payouts.csv", incident_views.incident_payouts_csv, name="payouts_csv"),
]
