from django.urls import path

from reports.api.views import ReturnStatisticsView

app_name = "reports-api"
urlpatterns = [
    # Joint statistics: aggregates only, never personal records.
    path("statistics/returns/", ReturnStatisticsView.as_view(), name="statistics-returns"),
]
