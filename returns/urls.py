from django.urls import path

from returns import views

app_name = "returns"
urlpatterns = [
    path("", views.household_list, name="home"),
    path("households/", views.household_list, name="household-list"),
    path("households/register/", views.household_register_page, name="household-register"),
    path("households/<uuid:public_id>/", views.household_detail, name="household-detail"),
    path("households/<uuid:public_id>/routed/", views.household_routed, name="household-routed"),
    path("households/<uuid:public_id>/reroute/", views.household_reroute_page, name="household-reroute"),
]
