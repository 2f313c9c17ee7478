from django.urls import path

from returns.views import case_exports, cases, counts, duplicates, export_jobs, households, imports, monitoring, offline

app_name = "returns"
urlpatterns = [
    path("", households.household_list, name="home"),
    path("households/", households.household_list, name="household-list"),
    path("households/export.csv", households.household_export, {"format": "csv"}, name="household-export-csv"),
    path("households/export.xlsx", households.household_export, {"format": "xlsx"}, name="household-export-xlsx"),
    path(
        "households/export-people.csv", households.household_people_export, {"format": "csv"}, name="people-export-csv"
    ),
    path(
        "households/export-people.xlsx",
        households.household_people_export,
        {"format": "xlsx"},
        name="people-export-xlsx",
    ),
    path("households/register/", households.household_register_page, name="household-register"),
    # The registration page offline: its service worker (scope: the page) and its web app manifest.
    path("households/register/sw.js", offline.service_worker, name="household-register-service-worker"),
    path("households/register/manifest.webmanifest", offline.manifest, name="household-register-manifest"),
    path("households/register/matches/", households.household_register_matches, name="household-register-matches"),
    path("households/register/recent/", households.household_register_recent, name="household-register-recent"),
    path(
        "households/register/transliterate/",
        households.household_register_transliterate,
        name="household-register-transliterate",
    ),
    path("households/<uuid:public_id>/", households.household_detail, name="household-detail"),
    path("households/<uuid:public_id>/routed/", households.household_routed, name="household-routed"),
    path("households/<uuid:public_id>/reroute/", households.household_reroute_page, name="household-reroute"),
    path("households/<uuid:public_id>/family/", households.household_family_link_page, name="household-family-link"),
    path("households/<uuid:public_id>/withdraw/", households.household_withdraw_page, name="household-withdraw"),
    path("imports/", imports.import_list, name="import-list"),
    path("imports/template.csv", imports.import_template, {"format": "csv"}, name="import-template-csv"),
    path("imports/template.xlsx", imports.import_template, {"format": "xlsx"}, name="import-template-xlsx"),
    path("imports/<uuid:public_id>/", imports.import_detail, name="import-detail"),
    path("imports/<uuid:public_id>/start/", imports.import_start_page, name="import-start"),
    path("imports/<uuid:public_id>/problems.csv", imports.import_errors, name="import-problems"),
    path(
        "imports/<uuid:public_id>/rejected.csv", imports.import_rejected, {"format": "csv"}, name="import-rejected-csv"
    ),
    path(
        "imports/<uuid:public_id>/rejected.xlsx",
        imports.import_rejected,
        {"format": "xlsx"},
        name="import-rejected-xlsx",
    ),
    path("exports/<uuid:public_id>/", export_jobs.export_detail, name="export-detail"),
    path("exports/<uuid:public_id>/download/", export_jobs.export_download, name="export-download"),
    path("counts/", counts.border_count_grid_page, name="border-count-grid"),
    path("counts/record/", counts.border_count_record_page, name="border-count-record"),
    path("counts/reconciliation/", counts.border_count_reconciliation_page, name="border-count-reconciliation"),
    path("monitoring/", monitoring.monitoring_queue, name="monitoring-queue"),
    path("monitoring/<uuid:public_id>/", monitoring.monitoring_interview_page, name="monitoring-interview"),
    path("duplicates/", duplicates.duplicate_queue_page, name="duplicate-queue"),
    path("duplicates/decided/", duplicates.duplicate_decided_page, name="duplicate-decided"),
    path("duplicates/search/", duplicates.duplicate_search_start, name="duplicate-search"),
    path("duplicates/<int:pair_id>/", duplicates.duplicate_pair_page, name="duplicate-pair"),
    path("duplicates/<int:pair_id>/decision/", duplicates.duplicate_decide, name="duplicate-decide"),
    path("cases/mine/", cases.my_cases_page, name="my-cases"),
    path("cases/referrals/", cases.referrals_inbox, name="referrals"),
    path("cases/referrals/<uuid:public_id>/answer/", cases.referral_answer_page, name="referral-answer"),
    path("cases/caseload/", cases.caseload, name="caseload"),
    path("cases/caseload/assign/", cases.caseload_assign, name="caseload-assign"),
    path("cases/caseload/export.csv", case_exports.caseload_export, {"format": "csv"}, name="caseload-export-csv"),
    path("cases/caseload/export.xlsx", case_exports.caseload_export, {"format": "xlsx"}, name="caseload-export-xlsx"),
    path(
        "cases/caseload/export-assistance.csv",
        case_exports.caseload_assistance_export,
        {"format": "csv"},
        name="caseload-assistance-export-csv",
    ),
    path(
        "cases/caseload/export-assistance.xlsx",
        case_exports.caseload_assistance_export,
        {"format": "xlsx"},
        name="caseload-assistance-export-xlsx",
    ),
    path("cases/<uuid:public_id>/", cases.case_detail, name="case-detail"),
    path(
        "cases/<uuid:public_id>/transitions/<slug:transition_code>/",
        cases.case_transition_page,
        name="case-transition",
    ),
    path("cases/<uuid:public_id>/assistance/", cases.case_assistance_record, name="case-assistance"),
    path(
        "cases/<uuid:public_id>/assistance/<uuid:assistance_id>/decision/",
        cases.case_assistance_decide,
        name="case-assistance-decide",
    ),
    path("cases/<uuid:public_id>/referrals/", cases.case_referral_make, name="case-referral"),
    path("cases/<uuid:public_id>/assign/", cases.case_assign_page, name="case-assign"),
]
