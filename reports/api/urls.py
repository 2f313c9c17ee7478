from django.urls import path

from reports.api.views import ReportDetailView, ReportFiguresView, ReportListCreateView, ReturnStatisticsView

app_name = "reports-api"
urlpatterns = [
    # Joint statistics: aggregates only, never personal records.
    path("statistics/returns/", ReturnStatisticsView.as_view(), name="statistics-returns"),
    # The joint annual report: its versions and their figures.
    path("reports/", ReportListCreateView.as_view(), name="report-list"),
    path("reports/<uuid:id>/", ReportDetailView.as_view(), name="report-detail"),
    path("reports/<uuid:id>/figures/", ReportFiguresView.as_view(), name="report-figures"),
]
