"""The app's URLs plus the bare DRF reference endpoint, for the benchmark server only."""

from django.urls import path

from bench.bare import BareHouseholdCreateView
from config.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("bench/bare/households/", BareHouseholdCreateView.as_view(), name="bench-bare-households"),
    *app_urlpatterns,
]
