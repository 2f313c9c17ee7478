from django.urls import path

from agencies import views

app_name = "agencies"
urlpatterns = [
    path("mine/", views.my_cases_page, name="my-cases"),
    path("referrals/", views.referrals_inbox, name="referrals"),
    path("referrals/<uuid:public_id>/answer/", views.referral_answer_page, name="referral-answer"),
    path("caseload/", views.caseload, name="caseload"),
    path("caseload/assign/", views.caseload_assign, name="caseload-assign"),
    path("<uuid:public_id>/", views.case_detail, name="case-detail"),
    path(
        "<uuid:public_id>/transitions/<slug:transition_code>/",
        views.case_transition_page,
        name="case-transition",
    ),
    path("<uuid:public_id>/assistance/", views.case_assistance_record, name="case-assistance"),
    path(
        "<uuid:public_id>/assistance/<uuid:assistance_id>/decision/",
        views.case_assistance_decide,
        name="case-assistance-decide",
    ),
    path("<uuid:public_id>/referrals/", views.case_referral_make, name="case-referral"),
    path("<uuid:public_id>/assign/", views.case_assign_page, name="case-assign"),
]
