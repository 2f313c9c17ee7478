from django.urls import path

from returns.api import views

app_name = "api"
urlpatterns = [
    path("households/", views.HouseholdListCreateView.as_view(), name="household-list"),
    path("households/deleted/", views.HouseholdDeletedListView.as_view(), name="household-deleted"),
    path("households/<uuid:id>/", views.HouseholdDetailView.as_view(), name="household-detail"),
    path("households/<uuid:id>/merge/", views.HouseholdMergeView.as_view(), name="household-merge"),
]
