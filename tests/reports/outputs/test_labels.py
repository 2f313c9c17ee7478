"""Every kind of code in the figures turns into words in the active language, in a few queries."""

import pytest
from django.utils import translation

from agencies.models import Province
from reports.outputs.labels import report_labels
from tests.reports.outputs.sample import sample_figures

pytestmark = pytest.mark.django_db


def test_the_labels_of_a_whole_report_take_one_query_per_reference_table(django_assert_num_queries):
    # countries, provinces, offices, need codes, assistance types
    with django_assert_num_queries(5):
        report_labels(sample_figures())


def test_figures_without_database_codes_take_no_query(django_assert_num_queries):
    figures = {"tables": [{"row_kinds": ["month"], "rows": [{"key": ["2017-01"]}], "columns": []}]}
    with django_assert_num_queries(0):
        labels = report_labels(figures)
    assert labels.label("month", "2017-01") == "January 2017"


def test_each_kind_has_its_words_in_english():
    labels = report_labels(sample_figures())

    assert labels.label("status", "registered_refugee") == "Registered refugee returning through VolRep (VRF)"
    assert labels.label("status", "all") == "All returns"
    assert labels.label("country_group", "PK") == "Pakistan"
    assert labels.label("country_group", "other") == "Other countries"
    assert labels.label("country", "IR") == "Iran"
    assert labels.label("province", "AF06") == "Nangarhar"
    assert labels.label("crossing", "TKM") == "Torkham border crossing"
    assert labels.label("office", "EKB") == "Kabul encashment centre"
    assert labels.label("need_code", "iom_vulnerability:UMC") == "UMC Unaccompanied migrant child"
    assert labels.label("assistance_type", "IOM:nfi_kit") == "Non-food items kit"
    assert labels.label("agency", "UNHCR") == "UNHCR"
    assert labels.label("sex", "female") == "Female"
    assert labels.label("age_band", "60+") == "60+"
    assert labels.label("month", "2017-03") == "March 2017"
    assert labels.label("year", "2002") == "2002"
    assert labels.label("return_type", "deported") == "Deported"
    assert labels.label("travelling", "in_families") == "In families"
    assert labels.label("referral_direction", "to_partners") == "To partners"
    assert labels.label("referral_service", "legal_aid") == "Legal aid"
    assert labels.label("referral_status", "declined") == "Declined"
    assert labels.label("question", "intends_to_stay") == "Intends to stay"
    assert labels.label("answer", "shelter:tent_makeshift") == "Tent or makeshift shelter"
    assert labels.label("answer", "intends_to_stay:undecided") == "Undecided"
    assert labels.label("measure", "average_per_person") == "Average per person"
    assert labels.label("item", "refused_already_assisted") == "Refused as already assisted"
    assert labels.label("item", "already_assisted") == "Refused as already assisted"
    assert labels.label("item", "already_granted_iom") == "Refused as already granted (one per person): IOM"
    assert labels.label("item", "granted_again_unhcr") == "Granted again on a manager's override: UNHCR"
    assert labels.label("item", "grants") == "Repatriation grants paid"
    assert labels.label("explanation", "registered_not_counted") == (
        "Registrations without a count (a count missing or late)"
    )


def test_an_unknown_code_shows_as_itself():
    labels = report_labels(sample_figures())

    assert labels.label("status", "stateless") == "stateless"
    assert labels.label("province", "AF99") == "AF99"
    assert labels.label("no_such_kind", "x") == "x"


def test_a_province_reads_its_name_in_the_readers_language_and_its_english_name_where_it_has_none():
    Province.objects.filter(pcode="AF06").update(name_fa="ننگرهار", name_ps="ننګرهار")
    Province.objects.filter(pcode="AF30").update(name_fa="", name_ps="")

    with translation.override("fa"):
        labels = report_labels(sample_figures())
        assert labels.label("province", "AF06") == "ننگرهار"
        assert labels.label("province", "AF30") == "Herat"
        assert labels.label("month", "2017-12").endswith("۲۰۱۷")
    with translation.override("ps"):
        assert report_labels(sample_figures()).label("province", "AF06") == "ننګرهار"
    assert report_labels(sample_figures()).label("province", "AF06") == "Nangarhar"
