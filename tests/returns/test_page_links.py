"""Pages that link up: a household page links to its cases and referrals, a case page to its
household, and every page of the journey says where one is in a breadcrumb trail.

Only what the user may see is linked: the household page starts from the case and referral
gates, the case page asks the household gate.
"""

import datetime

import pytest
from django.test.html import Element, parse_html
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Agency, User
from returns.models import Case, Household, Referral
from returns.reference import reference_data
from returns.services.cases import referral_answer, referral_make
from returns.services.households import household_register, household_reroute
from tests.access_log_support import LOG_ROW
from tests.factories import UserFactory, arrival_outside_winter_pause, household, member, por_card, vrf

pytestmark = pytest.mark.django_db

CURRENT, LINK = True, False


# --- Reading the pages ------------------------------------------------------------------------


def _attributes(element: Element) -> dict:
    return dict(element.attributes)


def _find_all(node, name: str, **attributes) -> list[Element]:
    """Elements named ``name`` under ``node`` holding these attributes (``True``: present, any value)."""
    wanted = {key.replace("_", "-"): value for key, value in attributes.items()}
    found = []

    def walk(element):
        if not isinstance(element, Element):
            return
        present = _attributes(element)
        if element.name == name and all(
            key in present and (value is True or present[key] == value) for key, value in wanted.items()
        ):
            found.append(element)
        for child in element.children:
            walk(child)

    walk(node)
    return found


def _text(node) -> str:
    if isinstance(node, str):
        return node
    return " ".join(" ".join(_text(child) for child in node.children).split())


def _link(node) -> str | None:
    links = _find_all(node, "a")
    return _attributes(links[0])["href"] if links else None


def breadcrumbs(response) -> list[tuple[str, str | None, bool]]:
    """The trail as (text, link, is the current page); [] when the page has none."""
    navs = _find_all(parse_html(response.content.decode()), "nav", **{"class": "breadcrumbs"})
    if not navs:
        return []
    [nav] = navs
    [trail] = _find_all(nav, "ol")
    return [
        (_text(item), _link(item), _attributes(item).get("aria-current") == "page")
        for item in trail.children
        if isinstance(item, Element)
    ]


def table_rows(response, marker: str) -> list[list[tuple[str, str | None]]]:
    """The body rows of the table marked ``data-<marker>``: each cell as (text, link)."""
    tables = _find_all(parse_html(response.content.decode()), "table", **{f"data_{marker}": True})
    if not tables:
        return []
    [table] = tables
    return [[(_text(cell), _link(cell)) for cell in _find_all(row, "td")] for row in _find_all(table, "tr")[1:]]


def household_url(registered: Household) -> str:
    return reverse("returns:household-detail", kwargs={"public_id": registered.public_id})


def case_url(case: Case) -> str:
    return reverse("returns:case-detail", kwargs={"public_id": case.public_id})


# --- Given --------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english():
    """Each test starts in English and leaves no language behind (a request in Dari activates it for the thread)."""
    with translation.override("en"):
        yield


@pytest.fixture
def unhcr_worker(unhcr, torkham) -> User:
    return UserFactory(username="unhcr.worker.t", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)


@pytest.fixture
def iom_worker(iom, torkham) -> User:
    return UserFactory(username="iom.worker.t", agency=iom, office=torkham, role=User.Role.CASE_WORKER)


@pytest.fixture
def admin() -> User:
    return UserFactory(username="admin.t", role=User.Role.ADMIN, agency=None, office=None, is_staff=True)


@pytest.fixture
def registered(unhcr_officer) -> Household:
    """A household with a PoR card, routed to UNHCR: one case, UNHCR's, at verification."""
    return household_register(
        registered_by=unhcr_officer,
        registration=household(members=[member(given_name="Gul", fathers_name="Rahim", documents=[por_card()])]),
    )


def case_of(registered: Household, agency_code: str) -> Case:
    return Case.objects.get(household=registered, agency__code=agency_code)


def refer(case: Case, *, to: str, made_by: User, service=Referral.Service.ASSISTANCE) -> Referral:
    return referral_make(
        case=case,
        made_by=made_by,
        to_agency=Agency.objects.get(code=to),
        service=service,
        reason="Iris matched an earlier repatriation.",
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )


@pytest.fixture
def referred_to_iom(registered, unhcr_worker, iom_worker) -> Referral:
    """UNHCR referred the household to IOM, and IOM accepted: IOM's case is open too."""
    referral = refer(case_of(registered, "UNHCR"), to="IOM", made_by=unhcr_worker)
    return referral_answer(referral=referral, answered_by=iom_worker, status="accepted", response="")


# --- The household page links to its cases and referrals ----------------------------------------


def test_the_household_page_links_to_the_case_the_user_may_see_and_not_another_agencys(
    client, registered, referred_to_iom, unhcr_worker
):
    unhcr_case, iom_case = case_of(registered, "UNHCR"), case_of(registered, "IOM")
    client.force_login(unhcr_worker)

    response = client.get(household_url(registered))

    assert table_rows(response, "household-cases") == [
        [(unhcr_case.case_number, case_url(unhcr_case)), ("UNHCR", None), ("Document and iris verification", None)],
    ]
    assert table_rows(response, "household-referrals") == [
        [("UNHCR → IOM", None), ("Assistance by the other agency", None), ("Accepted", None),
         (unhcr_case.case_number, case_url(unhcr_case))],
    ]  # fmt: skip
    page = response.content.decode()
    assert iom_case.case_number not in page
    assert case_url(iom_case) not in page


def test_the_receiving_agency_sees_the_referral_linked_to_the_case_it_opened(
    client, registered, referred_to_iom, iom_worker
):
    unhcr_case, iom_case = case_of(registered, "UNHCR"), case_of(registered, "IOM")
    client.force_login(iom_worker)

    response = client.get(household_url(registered))

    assert table_rows(response, "household-cases") == [
        [(iom_case.case_number, case_url(iom_case)), ("IOM", None), ("Vulnerability screening", None)],
    ]
    assert table_rows(response, "household-referrals") == [
        [("UNHCR → IOM", None), ("Assistance by the other agency", None), ("Accepted", None),
         (iom_case.case_number, case_url(iom_case))],
    ]  # fmt: skip
    page = response.content.decode()
    assert unhcr_case.case_number not in page
    assert case_url(unhcr_case) not in page


def test_a_referral_not_yet_accepted_is_listed_but_links_to_no_case_of_the_other_agency(
    client, registered, unhcr_worker, iom_worker
):
    unhcr_case = case_of(registered, "UNHCR")
    refer(unhcr_case, to="IOM", made_by=unhcr_worker)
    # Pending, the referral opens the household to IOM, which must decide on it; UNHCR's case stays
    # UNHCR's, so IOM's row links to no case.
    client.force_login(iom_worker)
    iom_view = client.get(household_url(registered))
    assert table_rows(iom_view, "household-referrals") == [
        [("UNHCR → IOM", None), ("Assistance by the other agency", None), ("Pending", None), ("—", None)],
    ]  # fmt: skip
    assert case_url(unhcr_case) not in iom_view.content.decode()

    client.force_login(unhcr_worker)
    response = client.get(household_url(registered))

    assert table_rows(response, "household-referrals") == [
        [("UNHCR → IOM", None), ("Assistance by the other agency", None), ("Pending", None),
         (unhcr_case.case_number, case_url(unhcr_case))],
    ]  # fmt: skip


def test_an_administrator_sees_every_case_of_the_household_linked(client, registered, referred_to_iom, admin):
    unhcr_case, iom_case = case_of(registered, "UNHCR"), case_of(registered, "IOM")
    client.force_login(admin)

    response = client.get(household_url(registered))

    assert table_rows(response, "household-cases") == [
        [(unhcr_case.case_number, case_url(unhcr_case)), ("UNHCR", None), ("Document and iris verification", None)],
        [(iom_case.case_number, case_url(iom_case)), ("IOM", None), ("Vulnerability screening", None)],
    ]
    # The referral links to the case it was made from.
    assert [row[3] for row in table_rows(response, "household-referrals")] == [
        (unhcr_case.case_number, case_url(unhcr_case))
    ]


def test_a_household_without_a_case_the_user_may_see_says_so(client, iom_officer, registered):
    # The IOM officer registered a household that went to UNHCR: they see its routing, not its case.
    sent_elsewhere = household_register(
        registered_by=iom_officer, registration=household(members=[member(documents=[por_card()])])
    )
    assert sent_elsewhere.routed_agency.code == "UNHCR"
    client.force_login(iom_officer)

    response = client.get(household_url(sent_elsewhere))

    assert response.status_code == 200
    assert table_rows(response, "household-cases") == []
    assert "No cases you may see." in response.content.decode()
    assert case_of(sent_elsewhere, "UNHCR").case_number not in response.content.decode()


# Session, user, household, members, documents, specific needs, history, cases, referrals; and, for
# whoever may withdraw it (this administrator), whether assistance was recorded.
HOUSEHOLD_PAGE_QUERIES = 10 + LOG_ROW


def test_the_household_page_runs_the_same_queries_for_one_case_or_two_with_referrals(
    client, registered, unhcr_worker, iom_worker, admin, django_assert_num_queries
):
    client.force_login(admin)
    reference_data()
    with django_assert_num_queries(HOUSEHOLD_PAGE_QUERIES):
        one_case = client.get(household_url(registered))

    unhcr_case = case_of(registered, "UNHCR")
    accepted = refer(unhcr_case, to="IOM", made_by=unhcr_worker)
    referral_answer(referral=accepted, answered_by=iom_worker, status="accepted", response="")
    refer(unhcr_case, to="NRC", made_by=unhcr_worker, service=Referral.Service.SHELTER)
    refer(case_of(registered, "IOM"), to="NRC", made_by=iom_worker, service=Referral.Service.HEALTH)
    with django_assert_num_queries(HOUSEHOLD_PAGE_QUERIES):
        two_cases = client.get(household_url(registered))

    assert (len(one_case.context["cases"]), len(one_case.context["referrals"])) == (1, 0)
    assert (len(two_cases.context["cases"]), len(two_cases.context["referrals"])) == (2, 3)


# --- The case page links to its household -------------------------------------------------------


def test_the_case_page_links_to_its_household(client, registered, unhcr_worker):
    unhcr_case = case_of(registered, "UNHCR")
    client.force_login(unhcr_worker)

    response = client.get(case_url(unhcr_case))

    links = _find_all(parse_html(response.content.decode()), "a", data_household_link=True)
    assert [(_text(link), _attributes(link)["href"]) for link in links] == [
        (registered.registration_number, household_url(registered))
    ]


def test_a_case_whose_household_was_rerouted_away_does_not_link_to_it(
    client, unhcr_officer, unhcr_worker, unhcr_manager, iom
):
    # With a VRF, so no flag: once IOM has it, no follow-up asks UNHCR to verify it (which would open it to UNHCR).
    registered = household_register(
        registered_by=unhcr_officer,
        registration=household(
            members=[member(given_name="Gul", documents=[por_card(), vrf()])],
            arrival_date=arrival_outside_winter_pause(),
        ),
    )
    assert registered.flags == []
    unhcr_case = case_of(registered, "UNHCR")
    household_reroute(
        household=registered,
        rerouted_by=unhcr_manager,
        agency=iom,
        category="undocumented",
        justification="The PoR card belongs to a cousin.",
    )
    client.force_login(unhcr_worker)
    assert client.get(household_url(registered)).status_code == 404

    response = client.get(case_url(unhcr_case))

    assert response.status_code == 200
    assert _find_all(parse_html(response.content.decode()), "a", data_household_link=True) == []
    assert household_url(registered) not in response.content.decode()
    assert breadcrumbs(response) == [
        ("Households", "/households/", LINK),
        (f"Case {unhcr_case.case_number}", None, CURRENT),
    ]


# --- Breadcrumbs ----------------------------------------------------------------------------------


def test_the_household_page_trail_is_households_then_the_household(client, registered, unhcr_worker):
    client.force_login(unhcr_worker)

    response = client.get(household_url(registered))

    assert breadcrumbs(response) == [
        ("Households", "/households/", LINK),
        (registered.registration_number, None, CURRENT),
    ]


def test_the_case_page_trail_goes_through_its_household(client, registered, unhcr_worker):
    unhcr_case = case_of(registered, "UNHCR")
    client.force_login(unhcr_worker)

    response = client.get(case_url(unhcr_case), headers={"referer": f"http://testserver{household_url(registered)}"})

    assert breadcrumbs(response) == [
        ("Households", "/households/", LINK),
        (registered.registration_number, household_url(registered), LINK),
        (f"Case {unhcr_case.case_number}", None, CURRENT),
    ]


@pytest.mark.parametrize(
    ("list_name", "label", "role"),
    [
        ("returns:my-cases", "My cases", User.Role.CASE_WORKER),
        ("returns:caseload", "Caseload", User.Role.MANAGER),
        ("returns:referrals", "Referrals", User.Role.CASE_WORKER),
    ],
)
def test_a_case_opened_from_a_list_leads_back_to_that_list(client, registered, unhcr, list_name, label, role):
    unhcr_case = case_of(registered, "UNHCR")
    client.force_login(UserFactory(username="unhcr.colleague.t", agency=unhcr, office=None, role=role))
    list_url = reverse(list_name)
    assert client.get(list_url).status_code == 200

    response = client.get(case_url(unhcr_case), headers={"referer": f"http://testserver{list_url}?page=2"})

    assert breadcrumbs(response) == [(label, list_url, LINK), (f"Case {unhcr_case.case_number}", None, CURRENT)]


@pytest.mark.parametrize(
    "referer",
    [
        "",
        "http://elsewhere.example/cases/mine/",  # another site's page of the same name
        "http://testserver/cases/{case}/",  # the case itself, after an action on it
        "http://testserver/no/such/page/",
    ],
)
def test_a_case_opened_from_anywhere_else_leads_back_through_its_household(client, registered, unhcr_worker, referer):
    unhcr_case = case_of(registered, "UNHCR")
    client.force_login(unhcr_worker)

    response = client.get(case_url(unhcr_case), headers={"referer": referer.format(case=unhcr_case.public_id)})

    assert breadcrumbs(response) == [
        ("Households", "/households/", LINK),
        (registered.registration_number, household_url(registered), LINK),
        (f"Case {unhcr_case.case_number}", None, CURRENT),
    ]


def test_the_find_a_case_box_leads_to_the_case_with_my_cases_in_its_trail(client, registered, unhcr_worker):
    unhcr_case = case_of(registered, "UNHCR")
    client.force_login(unhcr_worker)

    response = client.get(
        reverse("returns:my-cases"),
        {"q": registered.registration_number},
        headers={"referer": "http://testserver/cases/mine/"},
        follow=True,
    )

    assert response.redirect_chain == [(case_url(unhcr_case), 302)]
    assert breadcrumbs(response) == [
        ("My cases", "/cases/mine/", LINK),
        (f"Case {unhcr_case.case_number}", None, CURRENT),
    ]


@pytest.mark.parametrize(
    ("url", "role", "trail"),
    [
        ("/households/", User.Role.FIELD_OFFICER, [("Households", None, CURRENT)]),
        (
            "/households/register/",
            User.Role.FIELD_OFFICER,
            [("Households", "/households/", LINK), ("Register a household", None, CURRENT)],
        ),
        ("/cases/mine/", User.Role.CASE_WORKER, [("My cases", None, CURRENT)]),
        ("/cases/caseload/", User.Role.MANAGER, [("Caseload", None, CURRENT)]),
        ("/cases/referrals/", User.Role.CASE_WORKER, [("Referrals", None, CURRENT)]),
    ],
)
def test_each_list_and_the_register_page_say_where_one_is(client, unhcr, url, role, trail):
    client.force_login(UserFactory(username="unhcr.someone.t", agency=unhcr, role=role))

    response = client.get(url)

    assert response.status_code == 200
    assert breadcrumbs(response) == trail


def test_the_routing_result_leads_back_to_the_household(client, registered, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.get(reverse("returns:household-routed", kwargs={"public_id": registered.public_id}))

    assert breadcrumbs(response) == [
        ("Households", "/households/", LINK),
        (registered.registration_number, household_url(registered), LINK),
        ("Routing", None, CURRENT),
    ]


def test_the_trail_is_one_ordered_list_with_one_current_page(client, registered, unhcr_worker):
    client.force_login(unhcr_worker)

    page = client.get(household_url(registered)).content.decode()

    assert page.count('<nav class="breadcrumbs" aria-label="Breadcrumb">') == 1
    assert page.count('aria-current="page"') == 1
    assert f'<li aria-current="page"><span dir="ltr">{registered.registration_number}</span></li>' in page


def test_pages_outside_the_journey_have_no_trail(client, unhcr_worker):
    assert breadcrumbs(client.get("/accounts/login/")) == []

    client.force_login(unhcr_worker)
    missing = client.get("/households/00000000-0000-0000-0000-000000000000/")

    assert missing.status_code == 404
    assert breadcrumbs(missing) == []
    assert "breadcrumbs" not in missing.content.decode()


def test_the_trail_is_drawn_right_to_left_in_dari(client, registered, unhcr_worker):
    client.force_login(unhcr_worker)
    client.cookies.load({"django_language": "fa"})

    response = client.get(household_url(registered))

    page = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in page
    assert [(link, current) for _text, link, current in breadcrumbs(response)] == [
        ("/households/", LINK),
        (None, CURRENT),
    ]
