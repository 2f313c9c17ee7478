from django.urls import path

from agencies import views

app_name = "agencies"

urlpatterns = [
    path("", views.account, name="account"),
    path("two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
    path("two-factor/recovery-codes/", views.two_factor_recovery_codes, name="two-factor-recovery-codes"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("access-log/", views.access_log, name="access-log"),
    path("access-log/export.csv", views.access_log_export, name="access-log-export"),
]
