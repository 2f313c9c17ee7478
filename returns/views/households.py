"""Pages for field officers and managers. Thin: parse the form, call one service or selector, render."""

import hashlib
import json
import uuid

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access_log import Action, Kind, access_log_stream_write, access_logged, access_note
from agencies.api import idempotency
from agencies.compression import compressed_page
from agencies.exports import export_response, logged_rows
from agencies.paging import page_of
from agencies.replica import replica_view
from returns import policy
from returns.exports import EXPORT_INLINE_ROWS, EXPORT_MAX_ROWS, household_export_rows, people_export_rows
from returns.forms.households import (
    FamilyLinkForm,
    MatchesSoughtForm,
    RerouteForm,
    WithdrawForm,
    household_registration,
    registration_forms,
    registration_problems_show,
)
from returns.matching import person_candidates
from returns.models import ExportJob, Household
from returns.reference import reference_data
from returns.registration import CandidateRef, RegistrationInvalid, candidate_ref, candidate_ref_read
from returns.routing import RoutingUndecided
from returns.selectors.cases import household_cases
from returns.selectors.households import (
    RECENT_DAYS,
    family_parts,
    head_name,
    household_assisted,
    household_filter,
    household_get,
    households_registered_recently,
)
from returns.services.export_jobs import export_job_request
from returns.services.households import (
    household_family_link,
    household_register,
    household_reroute,
    household_withdraw,
    matches_not_looked_at,
)
from returns.transliteration import latin_suggested, local_suggested

# Added by the registration page's service worker to a household kept while the connection was down.
QUEUED_OFFLINE = "queued_offline"

HOUSEHOLDS_PER_PAGE = 50


@require_http_methods(["GET"])
def household_list(request):
    household_filterset = household_filter(user=request.user, params=request.GET)
    households = household_filterset.qs.annotate(head_name=head_name("given_name", "fathers_name", "family_name"))
    page = page_of(request, households, HOUSEHOLDS_PER_PAGE)
    access_note(request, kind=Kind.HOUSEHOLD, ids=[household.public_id for household in page.object_list])
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "returns/household_list.html",
        {
            "filter": household_filterset,
            "page": page,
            "households": page.object_list,
            "query_without_page": params.urlencode(),
            "can_register": policy.may_register(request.user),
            "can_export": policy.may_export_households(request.user),
        },
    )


@require_http_methods(["GET"])
@replica_view
def household_export(request, format: str):
    """The households list as the officer filtered it, as a CSV or XLSX file (``returns.exports``)."""
    return _export(
        request, format=format, rows_of=household_export_rows, name=_("households"), kind=ExportJob.Kind.HOUSEHOLDS
    )


@require_http_methods(["GET"])
@replica_view
def household_people_export(request, format: str):
    """The same households, one row per person in the import template's layout (to import elsewhere)."""
    return _export(
        request, format=format, rows_of=people_export_rows, name=_("people"), keep_id=False, kind=ExportJob.Kind.PEOPLE
    )


def _export(request, *, format: str, rows_of, name: str, kind: str, keep_id: bool = True):
    policy.require_export_households(request.user)
    household_filterset = household_filter(user=request.user, params=request.GET)
    households = household_filterset.qs
    params = request.GET.copy()
    params.pop("page", None)
    count = households.order_by().values("pk")[: EXPORT_MAX_ROWS + 1].count()
    if count > EXPORT_MAX_ROWS:
        messages.error(
            request,
            _(
                "More than %(limit)s households match: narrow the filters (an office, a period, a category) "
                "and export again."
            )
            % {"limit": number_format(EXPORT_MAX_ROWS, force_grouping=True)},
        )
        return redirect(f"{reverse('returns:household-list')}?{params.urlencode()}")
    if count > EXPORT_INLINE_ROWS:
        # Too long to wait for: a job writes the file, the page follows it.
        job = export_job_request(requested_by=request.user, kind=kind, format=format, params=request.GET, rows=count)
        return redirect("returns:export-detail", public_id=job.public_id)
    headers, rows = rows_of(households)
    logged = logged_rows(
        rows.iterator(chunk_size=2000),
        record_id=lambda row: row[0],
        log=lambda ids: access_log_stream_write(
            request, kind=Kind.HOUSEHOLD, ids=ids, action=Action.EXPORT, status=200
        ),
    )
    written = logged if keep_id else (row[1:] for row in logged)
    return export_response(format=format, header=headers, rows=written, name=name, title=_("Households"))


def _user_office_code(user, reference) -> str:
    if user.office_id is None:
        return ""
    return next((office.code for office in reference.offices.values() if office.pk == user.office_id), "")


@require_http_methods(["GET", "POST"])
@compressed_page
def household_register_page(request):
    """The registration form; a household saved, the page it was routed to.

    Compressed (``agencies.compression``): the page a tablet opens first on a slow link.

    The page sends a ``client_reference`` (a UUID its script made for this household, offline too):
    the same reference sent again (a retry, the offline queue sending, a second tab) finds the
    household it created and goes to its page, instead of registering the family twice.
    """
    policy.require_register(request.user)
    reference = reference_data()
    if request.method == "POST":
        client_reference = _client_reference(request.POST.get("client_reference", ""))
        if client_reference is None:
            return _register_post(request, reference)
        key, principal = f"register:{client_reference}", f"user:{request.user.pk}"
        fingerprint = _form_fingerprint(request.POST)
        with transaction.atomic():
            record_id = idempotency.claim(
                principal=principal, key=key, method="POST", path=request.path, fingerprint=fingerprint
            )
            if record_id is None:
                # Only a registration that went through is kept (see below): go to its household, if
                # this is that household sent again (not another one posted with a reference once used).
                record = idempotency.first_answer(principal=principal, key=key)
                if record.path != request.path or record.request_hash != fingerprint:
                    return _reference_used_render(request, reference)
                response = redirect(record.response_headers["Location"])
                response["Idempotent-Replayed"] = "true"
                return response
            response = _register_post(request, reference, queued=request.POST.get(QUEUED_OFFLINE) == "1")
            if response.status_code != 302:
                transaction.set_rollback(True)  # refused: the same reference may be sent again, corrected
                return response
            idempotency.answer_keep(record_id, status_code=302, headers={"Location": response["Location"]})
        return response
    household_form, member_formset = registration_forms(
        reference=reference, office_code=_user_office_code(request.user, reference)
    )
    return _register_render(request, household_form, member_formset)


def _client_reference(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        return None


def _form_fingerprint(data) -> str:
    """What was typed, without the CSRF token (another tab, or a later session, sends another) and
    without the offline queue's mark (a household whose answer was lost is queued and sent again)."""
    left_out = {"csrfmiddlewaretoken", QUEUED_OFFLINE}
    typed = sorted((name, value) for name, values in data.lists() for value in values if name not in left_out)
    return hashlib.sha256(json.dumps(typed, ensure_ascii=False).encode()).hexdigest()


def _reference_used_render(request, reference):
    """Another household posted with a client reference already registered (a page restored by the
    browser's Back button, say): nothing saved; the form comes back, with a new reference, to check and save."""
    household_form, member_formset = registration_forms(data=request.POST, reference=reference)
    household_form.is_valid()
    member_formset.is_valid()
    household_form.add_error(
        None,
        _(
            "This form was already used to register another household, so nothing was saved. "
            "Check the details below, then save again."
        ),
    )
    return _register_render(request, household_form, member_formset, reference_used=True)


def _register_post(request, reference, *, queued: bool = False):
    """``queued``: the household was typed without a connection and comes from the offline queue, its
    likely matches never shown: members who may be registered already go back to the officer."""
    household_form, member_formset = registration_forms(data=request.POST, reference=reference)
    household_form_valid = household_form.is_valid()
    if member_formset.is_valid() and household_form_valid:
        registration = household_registration(household_form, member_formset)
        if queued and (problems := matches_not_looked_at(registration, user=request.user)):
            registration_problems_show(problems, household_form=household_form, member_formset=member_formset)
            return _register_render(request, household_form, member_formset)
        try:
            household = household_register(registered_by=request.user, registration=registration)
        except RegistrationInvalid as invalid:
            registration_problems_show(invalid.problems, household_form=household_form, member_formset=member_formset)
        except RoutingUndecided as undecided:
            household_form.add_error(None, str(undecided))
        else:
            access_note(request, kind=Kind.HOUSEHOLD, ids=[household.public_id])
            return redirect("returns:household-routed", public_id=household.public_id)
    return _register_render(request, household_form, member_formset)


def _register_render(request, household_form, member_formset, *, reference_used: bool = False):
    # An invalid registration is re-rendered with 200, as Django's form views do: a typo is not
    # an error worth a warning in the server's request log.
    return render(
        request,
        "returns/household_register.html",
        {
            "household_form": household_form,
            "member_formset": member_formset,
            # When the page was made: offline, its lists (offices, places, codes) are as of then.
            "rendered_at": timezone.now(),
            "reference_used": reference_used,
        },
    )


@require_http_methods(["GET"])
@never_cache
def household_register_recent(request):
    """The officer's own registrations of the last days, an HTML fragment the registration page keeps
    on the device (offline-register.js) to look households up without a connection, "as of" now."""
    policy.require_register(request.user)
    households = list(households_registered_recently(user=request.user, now=timezone.now()))
    access_note(request, kind=Kind.HOUSEHOLD, ids=[household.public_id for household in households])
    return render(
        request,
        "returns/household_register.html#recent-registrations",
        {"recent": households, "recent_at": timezone.now(), "recent_days": RECENT_DAYS},
    )


@require_POST
def household_register_transliterate(request):
    """A name's suggested spelling in the other script, as the officer types it (``returns.transliteration``).

    Posted, like the matches: names stay out of addresses and logs. ``to`` is ``latin`` (from Dari or
    Pashto script) or ``local``; the answer is ``{"suggestion": ""}`` when there is nothing good to suggest.
    """
    policy.require_register(request.user)
    text = (request.POST.get("text") or "")[:100]
    direction = request.POST.get("to") or "latin"
    if direction not in ("latin", "local"):
        return HttpResponseBadRequest()
    suggestion = latin_suggested(text) if direction == "latin" else local_suggested(text)
    return JsonResponse({"suggestion": suggestion})


@require_POST
def household_register_matches(request):
    """The likely matches of one member as the officer types them: an HTML fragment for the registration page.

    Posted, not a GET: names and document numbers stay out of addresses and server logs. Every candidate
    comes with its signed reference, which the registration posts back as the officer's decision.
    """
    policy.require_link_person(request.user)
    sought_form = MatchesSoughtForm(request.POST)
    if not sought_form.is_valid() and "row" in sought_form.errors:
        return HttpResponseBadRequest()
    chosen = candidate_ref_read(sought_form.cleaned_data.get("same_person_as") or "", user=request.user)
    chosen_id = chosen.member_id if isinstance(chosen, CandidateRef) else None
    today = timezone.localdate()
    matches = [
        {
            "candidate": candidate,
            "ref": candidate_ref(member_id=candidate.member.pk, score=candidate.score, user=request.user),
            "chosen": candidate.member.pk == chosen_id,
            "age": candidate.member.age_on(today) if candidate.visible else None,
            "registered_on": timezone.localtime(candidate.household.created_at).date(),
        }
        for candidate in person_candidates(sought_form.person_sought(), user=request.user)
    ]
    access_note(
        request,
        kind=Kind.HOUSEHOLD,
        ids=[match["candidate"].household.public_id for match in matches if match["candidate"].visible],
        action=Action.READ,
    )
    return render(
        request,
        "returns/household_register.html#member-matches",
        {
            "row": sought_form.cleaned_data["row"],
            "matches": matches,
            "new_person_chosen": not any(match["chosen"] for match in matches),
        },
    )


@require_http_methods(["GET"])
@access_logged(Kind.HOUSEHOLD)
def household_routed(request, public_id):
    household = household_get(user=request.user, public_id=public_id)
    return render(
        request,
        "returns/household_routed.html",
        {"household": household, "can_register": policy.may_register(request.user)},
    )


def _detail(request, household, *, reroute_form=None, family_form=None, withdraw_form=None):
    can_reroute = policy.may_reroute(request.user)
    if can_reroute and reroute_form is None:
        reroute_form = RerouteForm(reference=reference_data(), initial={"category": household.category})
    can_link_family = policy.may_link_family(request.user)
    if can_link_family and family_form is None:
        family_form = FamilyLinkForm()
    # One query more, for those who may withdraw: an assisted household asks more of them.
    assisted = policy.may_remove_household(request.user) and household_assisted(household=household)
    can_withdraw = policy.may_remove_household(request.user, with_assistance=assisted)
    if can_withdraw and withdraw_form is None:
        withdraw_form = WithdrawForm()
    cases, referrals = household_cases(user=request.user, household=household)
    return render(
        request,
        "returns/household_detail.html",
        {
            "household": household,
            "cases": cases,
            "referrals": referrals,
            "family_parts": family_parts(user=request.user, household=household),
            "can_reroute": can_reroute,
            "reroute_form": reroute_form,
            "can_link_family": can_link_family,
            "family_form": family_form,
            "can_withdraw": can_withdraw,
            "assisted": assisted,
            "withdraw_form": withdraw_form,
        },
    )


@require_http_methods(["GET"])
@access_logged(Kind.HOUSEHOLD)
def household_detail(request, public_id):
    return _detail(request, household_get(user=request.user, public_id=public_id))


@require_POST
@access_logged(Kind.HOUSEHOLD)
def household_reroute_page(request, public_id):
    policy.require_reroute(request.user)
    household = household_get(user=request.user, public_id=public_id)
    reroute_form = RerouteForm(request.POST, reference=reference_data())
    if reroute_form.is_valid():
        try:
            household_reroute(
                household=household,
                rerouted_by=request.user,
                agency=reroute_form.agencies[reroute_form.cleaned_data["agency"]],
                category=reroute_form.cleaned_data["category"],
                justification=reroute_form.cleaned_data["justification"],
            )
        except RegistrationInvalid as invalid:
            reroute_form.problems_show(invalid.problems)
        else:
            messages.success(
                request,
                _("Household %(number)s re-routed to %(agency)s.")
                % {"number": household.registration_number, "agency": reroute_form.cleaned_data["agency"]},
            )
            if Household.objects.visible_to(request.user).filter(pk=household.pk).exists():
                return redirect(household)
            return redirect("returns:household-list")
    return _detail(request, household, reroute_form=reroute_form)


@require_POST
@access_logged(Kind.HOUSEHOLD)
def household_family_link_page(request, public_id):
    policy.require_link_family(request.user)
    household = household_get(user=request.user, public_id=public_id)
    family_form = FamilyLinkForm(request.POST)
    if family_form.is_valid():
        try:
            family = household_family_link(
                household=household,
                registration_number=family_form.cleaned_data["registration_number"],
                linked_by=request.user,
                note=family_form.cleaned_data["note"],
            )
        except RegistrationInvalid as invalid:
            family_form.problems_show(invalid.problems)
        else:
            # The other part changed too.
            access_note(request, kind=Kind.HOUSEHOLD, ids=family.households.values_list("public_id", flat=True))
            messages.success(
                request,
                _("%(number)s and %(other)s are now parts of one family.")
                % {"number": household.registration_number, "other": family_form.cleaned_data["registration_number"]},
            )
            return redirect(household)
    return _detail(request, household, family_form=family_form)


@require_POST
@access_logged(Kind.HOUSEHOLD)
def household_withdraw_page(request, public_id):
    """Withdraw a household registered in error: nothing is deleted, it leaves every list."""
    policy.require_remove_household(request.user)
    household = household_get(user=request.user, public_id=public_id)
    # A household that received assistance: an administrator is refused (403) before the form is read.
    policy.require_remove_household(request.user, with_assistance=household_assisted(household=household))
    withdraw_form = WithdrawForm(request.POST)
    if withdraw_form.is_valid():
        try:
            household_withdraw(
                household=household,
                withdrawn_by=request.user,
                reason=withdraw_form.cleaned_data["note"],
                assistance_confirmed=withdraw_form.cleaned_data["assistance_confirmed"],
            )
        except RegistrationInvalid as invalid:
            withdraw_form.problems_show(invalid.problems)
        else:
            messages.success(
                request,
                _("Household %(number)s was withdrawn. Its history, cases and assistance are kept.")
                % {"number": household.registration_number},
            )
            return redirect("returns:household-list")
    return _detail(request, household, withdraw_form=withdraw_form)
