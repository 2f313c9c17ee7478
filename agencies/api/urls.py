from django.urls import path

from agencies.api import views

app_name = "cases-api"
urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/assign/", views.CaseAssignView.as_view(), name="case-assign"),
    path("cases/<uuid:id>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<uuid:id>/events/", views.CaseEventListView.as_view(), name="case-events"),
    path("cases/<uuid:id>/transitions/", views.CaseTransitionView.as_view(), name="case-transitions"),
    path("cases/<uuid:id>/assistance/", views.CaseAssistanceView.as_view(), name="case-assistance"),
    path("cases/<uuid:id>/referrals/", views.CaseReferralCreateView.as_view(), name="case-referrals"),
    path("assistance/<uuid:id>/decision/", views.AssistanceDecisionView.as_view(), name="assistance-decision"),
    path("referrals/", views.ReferralListView.as_view(), name="referral-list"),
    path("referrals/<uuid:id>/answer/", views.ReferralAnswerView.as_view(), name="referral-answer"),
]
