from django.urls import path

from returns.api import views

app_name = "api"
urlpatterns = [
    path("households/", views.HouseholdListCreateView.as_view(), name="household-list"),
    path("households/<uuid:id>/", views.HouseholdDetailView.as_view(), name="household-detail"),
]
