"""The encashment centre's check of a family's VRF against the manifests the repatriation centres sent:
on no manifest (flagged), on one (who is listed and who is registered), and presented by another
household (the same people: flagged; other people: another part of the family)."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, User
from returns.manifests import Finding, ManifestCheck, manifest_checks
from returns.models import Case, Household, ImportBatch, Member, VrfManifest
from returns.services.households import household_register, household_reroute, household_withdraw
from returns.services.imports import import_run, import_start, import_upload
from tests.factories import UserFactory, household, member, por_card, vrf

pytestmark = pytest.mark.django_db

VRF = "VRF-PK-2026-000101"
AZAKHEL = "Azakhel (Peshawar)"
DEPARTED = "2026-10-20"
MANIFEST_HEADER = [
    "vrf_number",
    "repatriation_centre",
    "country_of_asylum",
    "departure_date",
    "given_name",
    "fathers_name",
    "family_name",
    "sex",
    "age",
    "card_number",
]


@pytest.fixture
def unhcr_worker(unhcr, torkham) -> User:
    return UserFactory(username="unhcr.worker.manifest", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)


@pytest.fixture
def iom_worker(iom, torkham) -> User:
    return UserFactory(username="iom.worker.manifest", agency=iom, office=torkham, role=User.Role.CASE_WORKER)


def manifest_loaded(officer, *people: tuple[str, str, str], vrf_number: str = VRF) -> VrfManifest:
    """A manifest of ``people`` (given name, father's name, sex) loaded as the repatriation centre's file
    is: uploaded, confirmed and saved by the job."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(MANIFEST_HEADER)
    for given_name, fathers_name, sex in people:
        writer.writerow([vrf_number, AZAKHEL, "PK", DEPARTED, given_name, fathers_name, "", sex, "", ""])
    batch = import_upload(
        uploaded_by=officer,
        file_name="manifest.csv",
        content=out.getvalue().encode(),
        mode="all_or_nothing",
        kind=ImportBatch.Kind.MANIFESTS,
    )
    import_start(batch=batch, started_by=officer)
    assert import_run(batch.pk).status == ImportBatch.Status.DONE
    return VrfManifest.objects.get(vrf_number=vrf_number)


def person(given_name: str, fathers_name: str, *, sex="male", relationship="head", age=35, vrf_number=VRF, **names):
    return member(
        given_name=given_name,
        fathers_name=fathers_name,
        sex=sex,
        relationship=relationship,
        age=age,
        documents=[vrf(number=vrf_number)] if vrf_number else [],
        **names,
    )


def registered(officer, *people, days_ago: int = 10) -> Household:
    return household_register(
        registered_by=officer,
        registration=household(
            arrival_date=timezone.localdate() - datetime.timedelta(days=days_ago), members=list(people)
        ),
    )


def members_of(registered_household: Household) -> list[Member]:
    return list(Member.objects.filter(household=registered_household).order_by("pk"))


def checked(registered_household: Household, *, user) -> list[ManifestCheck]:
    return manifest_checks(registered_household, members_of(registered_household), user=user)


def gul_and_family(officer, *, days_ago: int = 10) -> Household:
    """Gul, his wife Zarghona and their son Wali, all on the VRF."""
    return registered(
        officer,
        person("Gul", "Rahim"),
        person("Zarghona", "Karim", sex="female", relationship="spouse", age=30),
        person("Wali", "Gul", relationship="son", age=3),
        days_ago=days_ago,
    )


def on_manifest(listed: int, matched: int) -> Finding:
    return Finding(
        False,
        "on_manifest",
        f"On the manifest of {AZAKHEL}, departed {DEPARTED}: {listed} people listed, {matched} of them registered "
        "here.",
    )


# ---------------------------------------------------------------------------------------------
# One household against the manifests
# ---------------------------------------------------------------------------------------------


def test_a_vrf_on_no_manifest_is_flagged(unhcr_officer, unhcr_worker):
    family = gul_and_family(unhcr_officer)
    manifest_loaded(unhcr_officer, ("Gul", "Rahim", "male"), vrf_number="VRF-PK-2026-000999")  # another VRF

    checks = checked(family, user=unhcr_worker)

    assert checks == [
        ManifestCheck(
            vrf_number=VRF,
            manifest=None,
            findings=[
                Finding(
                    True,
                    "not_on_manifest",
                    f"VRF {VRF} is on no manifest received from the repatriation centres: confirm it with the "
                    "centre before paying.",
                )
            ],
        )
    ]
    assert checks[0].flagged is True


def test_a_household_without_a_vrf_has_nothing_to_check(unhcr_officer, unhcr_worker):
    manifest_loaded(unhcr_officer, ("Gul", "Rahim", "male"))
    with_card = registered(unhcr_officer, member(given_name="Gul", fathers_name="Rahim", documents=[por_card()]))

    assert checked(with_card, user=unhcr_worker) == []


def test_on_a_manifest_the_people_listed_and_registered_are_counted_and_the_others_named(unhcr_officer, unhcr_worker):
    manifest = manifest_loaded(
        unhcr_officer, ("Gul", "Rahim", "male"), ("Zarghona", "Karim", "female"), ("Bibi", "Nazar", "female")
    )
    family = gul_and_family(unhcr_officer)

    [check] = checked(family, user=unhcr_worker)

    assert (check.vrf_number, check.manifest) == (VRF, manifest)
    assert check.findings == [
        on_manifest(3, 2),
        Finding(False, "not_found", "Listed on the VRF but not registered in this household: Bibi Nazar."),
        Finding(False, "not_listed", "Not on the VRF (not paid by UNHCR; IOM may screen them): Wali Gul."),
    ]
    assert check.flagged is False


def test_a_family_exactly_as_listed_has_one_plain_finding(unhcr_officer, unhcr_worker):
    manifest_loaded(unhcr_officer, ("Gul", "Rahim", "male"), ("Zarghona", "Karim", "female"), ("Wali", "Gul", "male"))
    # The VRF written by the officer another way than on the manifest: one number.
    family = registered(
        unhcr_officer,
        person("Gul", "Rahim", vrf_number="vrf pk 2026 000101"),
        person("Zarghona", "Karim", sex="female", relationship="spouse", vrf_number="vrf pk 2026 000101"),
        person("Wali", "Gul", relationship="son", age=3, vrf_number="vrf pk 2026 000101"),
    )

    assert checked(family, user=unhcr_worker) == [
        ManifestCheck(vrf_number="vrf pk 2026 000101", manifest=VrfManifest.objects.get(), findings=[on_manifest(3, 3)])
    ]


def test_names_match_across_spellings_and_scripts_but_not_across_sexes_or_fathers(unhcr_officer, unhcr_worker):
    manifest_loaded(
        unhcr_officer,
        ("Mohammad", "Gul", "male"),  # registered as Muhammad
        ("زرغونه", "کریم", "female"),  # in Dari script; registered in Latin letters
        ("Nazar", "Habib", "male"),  # registered in Latin letters as someone else, and in Dari as him
        ("Wali", "Gul", "female"),  # the son is male
        ("Omar", "Rahim", "male"),  # the father's name registered is Gul
    )
    family = registered(
        unhcr_officer,
        person("Muhammad", "Gul"),
        person("Zarghona", "Karim", sex="female", relationship="spouse", age=30),
        person("Naz", "Habib", relationship="sibling", age=28, given_name_local="نظر"),
        person("Wali", "Gul", relationship="son", age=3),
        person("Omar", "Gul", relationship="son", age=12),
    )

    [check] = checked(family, user=unhcr_worker)

    assert check.findings == [
        on_manifest(5, 3),
        Finding(False, "not_found", "Listed on the VRF but not registered in this household: Wali Gul, Omar Rahim."),
        Finding(False, "not_listed", "Not on the VRF (not paid by UNHCR; IOM may screen them): Wali Gul, Omar Gul."),
    ]


# ---------------------------------------------------------------------------------------------
# The same VRF presented by another household
# ---------------------------------------------------------------------------------------------


def label(other: Household) -> str:
    return f"household {other.registration_number} (arrived {other.arrival_date.isoformat()})"


def test_the_same_person_presented_by_another_household_is_flagged_twice(unhcr_officer, unhcr_worker):
    manifest_loaded(unhcr_officer, ("Gul", "Rahim", "male"), ("Zarghona", "Karim", "female"))
    family = gul_and_family(unhcr_officer, days_ago=10)
    again = registered(unhcr_officer, person("Gul", "Rahim"), days_ago=3)

    [check] = checked(family, user=unhcr_worker)
    [other_check] = checked(again, user=unhcr_worker)

    assert check.findings == [
        on_manifest(2, 2),
        Finding(False, "not_listed", "Not on the VRF (not paid by UNHCR; IOM may screen them): Wali Gul."),
        Finding(
            True, "presented_twice", f"VRF {VRF} was also presented by {label(again)}, for the same people: Gul Rahim."
        ),
    ]
    assert other_check.findings == [
        on_manifest(2, 1),
        Finding(False, "not_found", "Listed on the VRF but not registered in this household: Zarghona Karim."),
        Finding(
            True, "presented_twice", f"VRF {VRF} was also presented by {label(family)}, for the same people: Gul Rahim."
        ),
    ]
    assert (check.flagged, other_check.flagged) == (True, True)


def test_another_part_of_the_family_on_the_same_vrf_is_said_not_flagged(unhcr_officer, unhcr_worker):
    manifest_loaded(
        unhcr_officer, ("Gul", "Rahim", "male"), ("Zarghona", "Karim", "female"), ("Bibi", "Nazar", "female")
    )
    family = gul_and_family(unhcr_officer, days_ago=10)
    grandmother = registered(unhcr_officer, person("Bibi", "Nazar", sex="female", age=60), days_ago=2)

    [check] = checked(family, user=unhcr_worker)

    assert check.findings == [
        on_manifest(3, 2),
        Finding(False, "not_found", "Listed on the VRF but not registered in this household: Bibi Nazar."),
        Finding(False, "not_listed", "Not on the VRF (not paid by UNHCR; IOM may screen them): Wali Gul."),
        Finding(
            False,
            "other_part",
            f"VRF {VRF} was also presented by {label(grandmother)}, for other people: another part of the family.",
        ),
    ]
    assert check.flagged is False


def test_without_a_manifest_any_other_presentation_is_flagged(unhcr_officer, unhcr_worker):
    family = gul_and_family(unhcr_officer, days_ago=10)
    grandmother = registered(unhcr_officer, person("Bibi", "Nazar", sex="female", age=60), days_ago=2)

    [check] = checked(family, user=unhcr_worker)

    assert [(finding.flagged, finding.code, finding.message) for finding in check.findings[1:]] == [
        (True, "presented_twice", f"VRF {VRF} was also presented by {label(grandmother)}.")
    ]


def test_a_withdrawn_household_no_longer_counts_as_a_presentation(unhcr_officer, unhcr_worker, unhcr_manager):
    manifest_loaded(unhcr_officer, ("Gul", "Rahim", "male"))
    family = registered(unhcr_officer, person("Gul", "Rahim"), days_ago=10)
    again = registered(unhcr_officer, person("Gul", "Rahim"), days_ago=3)
    household_withdraw(household=again, withdrawn_by=unhcr_manager, reason="Registered twice by mistake at the gate.")

    [check] = checked(family, user=unhcr_worker)

    assert check.findings == [on_manifest(1, 1)]


def test_the_other_households_number_is_shown_only_to_whoever_may_see_it(unhcr_officer, unhcr_worker, unhcr_manager):
    manifest_loaded(unhcr_officer, ("Gul", "Rahim", "male"))
    family = registered(unhcr_officer, person("Gul", "Rahim"), days_ago=10)
    again = registered(unhcr_officer, person("Gul", "Rahim"), days_ago=3)
    # The second household is sent to IOM: UNHCR's case worker no longer sees it; its registering officer does.
    household_reroute(
        household=again,
        rerouted_by=unhcr_manager,
        agency=Agency.objects.get(code="IOM"),
        category="undocumented",
        justification="The VRF was presented by someone else.",
    )
    assert not Household.objects.visible_to(unhcr_worker).filter(pk=again.pk).exists()
    assert Household.objects.visible_to(unhcr_officer).filter(pk=again.pk).exists()

    [for_worker] = checked(family, user=unhcr_worker)
    [for_officer] = checked(family, user=unhcr_officer)

    arrived = again.arrival_date.isoformat()
    assert for_worker.findings[-1] == Finding(
        True,
        "presented_twice",
        f"VRF {VRF} was also presented by a household registered at Torkham border crossing (arrived {arrived}), "
        "for the same people: Gul Rahim.",
    )
    assert again.registration_number not in for_worker.findings[-1].message
    assert for_officer.findings[-1] == Finding(
        True, "presented_twice", f"VRF {VRF} was also presented by {label(again)}, for the same people: Gul Rahim."
    )


def test_the_check_takes_the_same_queries_for_one_other_household_or_several(
    unhcr_officer, unhcr_worker, django_assert_num_queries
):
    manifest_loaded(unhcr_officer, ("Gul", "Rahim", "male"), ("Zarghona", "Karim", "female"))
    family = gul_and_family(unhcr_officer, days_ago=20)
    registered(unhcr_officer, person("Gul", "Rahim"), days_ago=5)
    members = members_of(family)

    # The VRF numbers, the manifests and their people, the other households' rows, which of them the
    # user sees, and their members.
    with django_assert_num_queries(6):
        manifest_checks(family, members, user=unhcr_worker)
    for days_ago in (4, 3, 2):
        registered(unhcr_officer, person("Bibi", "Nazar", sex="female"), days_ago=days_ago)
    with django_assert_num_queries(6):
        [check] = manifest_checks(family, members, user=unhcr_worker)
    assert [finding.code for finding in check.findings] == [
        "on_manifest",
        "not_listed",
        "presented_twice",
        "other_part",
        "other_part",
        "other_part",
    ]


# ---------------------------------------------------------------------------------------------
# The case page
# ---------------------------------------------------------------------------------------------


def case_url(registered_household: Household) -> str:
    case = Case.objects.get(household=registered_household)
    return reverse("returns:case-detail", kwargs={"public_id": case.public_id})


def findings_shown(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-finding="')[1:]]


def test_the_voluntary_repatriation_case_page_shows_the_check(client, unhcr_officer, unhcr_worker):
    manifest_loaded(
        unhcr_officer, ("Gul", "Rahim", "male"), ("Zarghona", "Karim", "female"), ("Bibi", "Nazar", "female")
    )
    family = gul_and_family(unhcr_officer, days_ago=10)
    grandmother = registered(unhcr_officer, person("Bibi", "Nazar", sex="female", age=60), days_ago=4)
    again = registered(unhcr_officer, person("Gul", "Rahim"), days_ago=2)
    assert Case.objects.get(household=family).workflow == "unhcr_voluntary_repatriation"
    client.force_login(unhcr_worker)

    response = client.get(case_url(family))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("data-manifest-check") == 1
    assert findings_shown(html) == ["on_manifest", "not_found", "not_listed", "other_part", "presented_twice"]
    assert f'<h3 dir="ltr">{VRF}</h3>' in html
    assert (
        f'<li class="message message--error" data-finding="presented_twice" role="alert">VRF {VRF} was also '
        f"presented by {label(again)}, for the same people: Gul Rahim.</li>"
    ) in html
    assert (
        f'<li class="finding" data-finding="other_part">VRF {VRF} was also presented by {label(grandmother)}, for '
        "other people: another part of the family.</li>"
    ) in html


def test_the_case_page_of_a_vrf_on_no_manifest_flags_it(client, unhcr_officer, unhcr_worker):
    family = gul_and_family(unhcr_officer)
    client.force_login(unhcr_worker)

    html = client.get(case_url(family)).content.decode()

    assert findings_shown(html) == ["not_on_manifest"]
    assert (
        f'<li class="message message--error" data-finding="not_on_manifest" role="alert">VRF {VRF} is on no manifest '
        "received from the repatriation centres: confirm it with the centre before paying.</li>"
    ) in html


def test_the_case_page_of_a_household_without_a_vrf_says_so(client, unhcr_officer, unhcr_worker):
    with_card = registered(unhcr_officer, member(given_name="Gul", fathers_name="Rahim", documents=[por_card()]))
    client.force_login(unhcr_worker)

    html = client.get(case_url(with_card)).content.decode()

    assert "data-manifest-check" in html
    assert findings_shown(html) == ["no_vrf"]


def test_an_iom_case_page_has_no_manifest_check(client, iom_officer, iom_worker, unhcr_officer):
    manifest_loaded(unhcr_officer, ("Nazir", "Habib", "male"))
    deported = household_register(
        registered_by=iom_officer,
        registration=household(
            country_of_departure="IR",
            return_type="deportation",
            destination_province="AF30",
            members=[member(given_name="Nazir", fathers_name="Habib")],
        ),
    )
    case = Case.objects.get(household=deported)
    assert (case.agency.code, case.workflow) != ("UNHCR", "unhcr_voluntary_repatriation")
    client.force_login(iom_worker)

    response = client.get(case_url(deported))

    html = response.content.decode()
    assert response.status_code == 200
    assert "data-manifest-check" not in html
    assert "data-finding=" not in html
    assert response.context["manifest"] is None


def test_names_with_one_key_but_another_sound_are_other_people(unhcr_officer, unhcr_worker):
    """Hassan and Hussain, Ali and Wali, Ahmad and Hamid share a name key: they are still two names."""
    manifest_loaded(unhcr_officer, ("Hassan", "Gul", "male"), ("Ali", "Gul", "male"), ("Ahmad", "Gul", "male"))
    family = registered(
        unhcr_officer,
        person("Hussain", "Gul"),
        person("Wali", "Gul", relationship="sibling", age=30),
        person("Hamid", "Gul", relationship="sibling", age=28),
    )

    [check] = checked(family, user=unhcr_worker)

    assert check.findings == [
        on_manifest(3, 0),
        Finding(
            False,
            "not_found",
            "Listed on the VRF but not registered in this household: Hassan Gul, Ali Gul, Ahmad Gul.",
        ),
        Finding(
            False,
            "not_listed",
            "Not on the VRF (not paid by UNHCR; IOM may screen them): Hussain Gul, Wali Gul, Hamid Gul.",
        ),
    ]


def test_two_brothers_on_one_vrf_returning_as_two_parts_are_not_presented_twice(unhcr_officer, unhcr_worker):
    manifest_loaded(unhcr_officer, ("Hassan", "Gul", "male"), ("Hussain", "Gul", "male"))
    first = registered(unhcr_officer, person("Hassan", "Gul"), days_ago=10)
    second = registered(unhcr_officer, person("Hussain", "Gul"), days_ago=3)

    [check] = checked(first, user=unhcr_worker)

    assert [(finding.code, finding.flagged) for finding in check.findings] == [
        ("on_manifest", False),
        ("not_found", False),
        ("other_part", False),
    ]
    assert check.findings[1].message == "Listed on the VRF but not registered in this household: Hussain Gul."
    assert check.findings[2].message == (
        f"VRF {VRF} was also presented by {label(second)}, for other people: another part of the family."
    )
