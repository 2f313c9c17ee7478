from django.urls import path

from agencies.api import reference, views
from agencies.api import schema as _schema  # noqa: F401 - registers the API key authentication in the schema
from reports.api.views import ReturnStatisticsView

app_name = "cases-api"
urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/assign/", views.CaseAssignView.as_view(), name="case-assign"),
    path("cases/deleted/", views.CaseDeletedListView.as_view(), name="case-deleted"),
    path("cases/<uuid:id>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<uuid:id>/events/", views.CaseEventListView.as_view(), name="case-events"),
    path("cases/<uuid:id>/transitions/", views.CaseTransitionView.as_view(), name="case-transitions"),
    path("cases/<uuid:id>/assistance/", views.CaseAssistanceView.as_view(), name="case-assistance"),
    path("cases/<uuid:id>/referrals/", views.CaseReferralCreateView.as_view(), name="case-referrals"),
    path("assistance/<uuid:id>/decision/", views.AssistanceDecisionView.as_view(), name="assistance-decision"),
    path("referrals/", views.ReferralListView.as_view(), name="referral-list"),
    path("referrals/<uuid:id>/answer/", views.ReferralAnswerView.as_view(), name="referral-answer"),
    # Joint statistics (reports app) and reference data: read-only, aggregates or code lists.
    path("statistics/returns/", ReturnStatisticsView.as_view(), name="statistics-returns"),
    path("reference/agencies/", reference.AgencyListView.as_view(), name="reference-agencies"),
    path("reference/offices/", reference.OfficeListView.as_view(), name="reference-offices"),
    path("reference/provinces/", reference.ProvinceListView.as_view(), name="reference-provinces"),
    path("reference/districts/", reference.DistrictListView.as_view(), name="reference-districts"),
    path("reference/countries/", reference.CountryListView.as_view(), name="reference-countries"),
    path("reference/document-types/", reference.DocumentTypeListView.as_view(), name="reference-document-types"),
    path("reference/return-types/", reference.ReturnTypeListView.as_view(), name="reference-return-types"),
    path("reference/need-codes/", reference.NeedCodeListView.as_view(), name="reference-need-codes"),
    path("reference/assistance-types/", reference.AssistanceTypeListView.as_view(), name="reference-assistance-types"),
]
