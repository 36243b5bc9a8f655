from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch, name="batch"),
    path("batches/<int:pk>/file/", views.batch_file, name="file"),
    path("batches/<int:pk>/paid/", views.batch_paid, name="paid"),
    path("batches/<int:pk>/cancel/", views.batch_cancel, name="cancel"),
    path("items/<int:pk>/return/", views.item_return, name="return"),
    path("insured/<int:pk>/account/", views.account, name="account"),
    path(
        "accounts/<int:pk>/confirm/",
        views.account_decide,
        {"decision": "confirm"},
        name="account_confirm",
    ),
    path(
        "accounts/<int:pk>/reject/",
        views.account_decide,
        {"decision": "reject"},
        name="account_reject",
    ),
    path("bank-lookup/", views.bank_lookup, name="bank_lookup"),
]
