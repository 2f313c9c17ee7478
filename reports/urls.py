from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.report_index, name="list"),
    path("reports/generate/", views.report_generate, name="generate"),
    path("reports/<uuid:public_id>/", views.report_detail, name="detail"),
    path("reports/<uuid:public_id>/progress.json", views.report_progress, name="progress"),
    path("reports/<uuid:public_id>/sign-off/", views.report_sign_off_page, name="sign-off"),
    path("reports/<uuid:public_id>/compare/", views.report_compare_choose, name="compare-choose"),
    path("reports/<uuid:public_id>/compare/<uuid:other_id>/", views.report_compare_page, name="compare"),
    path(
        "reports/<uuid:public_id>/download/<slug:edition>.<slug:file_format>",
        views.report_download,
        name="download",
    ),
]
