from django.urls import path

from returns.api import reference
from returns.api.views import cases, counts, households, matching, monitoring

app_name = "api"
urlpatterns = [
    path("households/", households.HouseholdListCreateView.as_view(), name="household-list"),
    path("households/export/", households.HouseholdExportView.as_view(), name="household-export"),
    path("households/deleted/", households.HouseholdDeletedListView.as_view(), name="household-deleted"),
    path("households/<uuid:id>/", households.HouseholdDetailView.as_view(), name="household-detail"),
    path("households/<uuid:id>/merge/", households.HouseholdMergeView.as_view(), name="household-merge"),
    path("duplicates/candidates/", matching.PersonCandidatesView.as_view(), name="duplicate-candidates"),
    path("cases/", cases.CaseListView.as_view(), name="case-list"),
    path("cases/assign/", cases.CaseAssignView.as_view(), name="case-assign"),
    path("cases/deleted/", cases.CaseDeletedListView.as_view(), name="case-deleted"),
    path("cases/<uuid:id>/", cases.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<uuid:id>/events/", cases.CaseEventListView.as_view(), name="case-events"),
    path("cases/<uuid:id>/transitions/", cases.CaseTransitionView.as_view(), name="case-transitions"),
    path("cases/<uuid:id>/assistance/", cases.CaseAssistanceView.as_view(), name="case-assistance"),
    path("cases/<uuid:id>/referrals/", cases.CaseReferralCreateView.as_view(), name="case-referrals"),
    path("assistance/<uuid:id>/decision/", cases.AssistanceDecisionView.as_view(), name="assistance-decision"),
    path("referrals/", cases.ReferralListView.as_view(), name="referral-list"),
    path("referrals/<uuid:id>/answer/", cases.ReferralAnswerView.as_view(), name="referral-answer"),
    path("border-counts/", counts.BorderCountListCreateView.as_view(), name="border-count-list"),
    path("monitoring/interviews/", monitoring.MonitoringInterviewListView.as_view(), name="monitoring-interview-list"),
    path(
        "monitoring/interviews/<uuid:id>/",
        monitoring.MonitoringInterviewDetailView.as_view(),
        name="monitoring-interview-detail",
    ),
    path(
        "monitoring/interviews/<uuid:id>/record/",
        monitoring.MonitoringInterviewRecordView.as_view(),
        name="monitoring-interview-record",
    ),
    path(
        "border-counts/reconciliation/",
        counts.BorderCountReconciliationView.as_view(),
        name="border-count-reconciliation",
    ),
    # Reference data: read-only code lists.
    path("reference/agencies/", reference.AgencyListView.as_view(), name="reference-agencies"),
    path("reference/offices/", reference.OfficeListView.as_view(), name="reference-offices"),
    path("reference/provinces/", reference.ProvinceListView.as_view(), name="reference-provinces"),
    path("reference/districts/", reference.DistrictListView.as_view(), name="reference-districts"),
    path("reference/countries/", reference.CountryListView.as_view(), name="reference-countries"),
    path("reference/document-types/", reference.DocumentTypeListView.as_view(), name="reference-document-types"),
    path("reference/return-types/", reference.ReturnTypeListView.as_view(), name="reference-return-types"),
    path("reference/need-codes/", reference.NeedCodeListView.as_view(), name="reference-need-codes"),
    path("reference/assistance-types/", reference.AssistanceTypeListView.as_view(), name="reference-assistance-types"),
    path("reference/routing-policies/", reference.RoutingPolicyListView.as_view(), name="reference-routing-policies"),
    path("reference/grant-rates/", reference.GrantRateListView.as_view(), name="reference-grant-rates"),
    path("reference/supplement-rules/", reference.SupplementRuleListView.as_view(), name="reference-supplement-rules"),
    path("reference/card-decrees/", reference.CardValidityDecreeListView.as_view(), name="reference-card-decrees"),
]
