"""The person's own account: two-factor enrolment and verification, recovery codes, API tokens; and
the access log's search and export, for managers and administrators.

What is decided lives elsewhere: who must use a second factor and how codes are checked in
``agencies.two_factor``, issuing and revoking tokens in ``agencies.staff_tokens``.
"""

import csv
import datetime
from base64 import b32encode
from types import SimpleNamespace

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language
from django_otp import login as otp_login

from agencies.forms import EnrolmentForm, PreferencesForm, SecondFactorForm
from agencies.models import AccessLogEntry, StaffToken, may_read_access_log
from agencies.problems import Refused
from agencies.selectors import access_log_search
from agencies.staff_tokens import staff_token_revoke
from agencies.two_factor import (
    has_authenticator,
    recovery_codes_left,
    recovery_codes_replace,
    role_requires_two_factor,
    second_factor_check,
    totp_device_confirm,
    totp_device_start,
)

# New recovery codes wait here, in the session, to be shown once on the next page.
NEW_CODES_SESSION_KEY = "two_factor_new_codes"


def _next_url(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse(default)


def language_remember(response, language: str) -> None:
    """Keep the language in the cookie too, for the login page after the session ends; no language:
    forget the cookie, so that the browser's languages decide again."""
    if not language:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )


@login_not_required
@require_POST
def language_set(request):
    """Django's language switch, and for a logged-in person the language of their account from now on."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return response


@login_required
def account(request):
    """Two-factor status, the person's API tokens, and how they read the app (language, calendar, digits)."""
    user = request.user
    preferences = PreferencesForm(request.POST or None, instance=user)
    if request.method == "POST" and preferences.is_valid():
        preferences.save()
        response = redirect("agencies:account")
        language_remember(response, user.language)
        # Said in the language chosen (blank: the browser's, the cookie of the old choice left out).
        browser = SimpleNamespace(COOKIES={}, META=request.META)
        with translation.override(user.language or translation.get_language_from_request(browser)):
            messages.success(request, _("Your preferences are saved."))
        return response
    tokens = StaffToken.objects.filter(user=user).order_by("-created_at")
    return render(
        request,
        "agencies/account.html",
        {
            "preferences": preferences,
            "has_authenticator": has_authenticator(user),
            "two_factor_required": role_requires_two_factor(user),
            "recovery_codes_left": recovery_codes_left(user),
            "tokens": tokens,
        },
    )


@never_cache
@login_required
def two_factor_setup(request):
    """Scan a QR code (or type the secret), confirm with a code; recovery codes follow."""
    user = request.user
    # With an authenticator already, only a session verified with it may replace it: a password
    # alone must never be enough to enrol a new phone.
    if has_authenticator(user) and not user.is_verified():
        return redirect(f"{reverse('agencies:two-factor-verify')}?next={reverse('agencies:two-factor-setup')}")
    device = totp_device_start(user=user)
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = totp_device_confirm(user=user, code=form.cleaned_data["code"])
        except Refused as refused:
            for problem in refused.problems["code"]:
                form.add_error("code", problem.message)
        else:
            otp_login(request, device)
            request.session[NEW_CODES_SESSION_KEY] = codes
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(f"{reverse('agencies:two-factor-recovery-codes')}?next={_next_url(request)}")
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "agencies/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(scale=5, dark="#000", light="#fff", title=_("QR code for the authenticator app")),
            "secret": _grouped(_base32(device.bin_key)),
            "next": _next_url(request),
        },
    )


@never_cache
@login_required
def two_factor_verify(request):
    """After the password: the authenticator's code, or a recovery code (used up)."""
    user = request.user
    if not has_authenticator(user):
        return redirect(f"{reverse('agencies:two-factor-setup')}?next={_next_url(request)}")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor_check(user=user, code=form.cleaned_data["code"])
        if device is None:
            form.add_error(
                "code",
                _(
                    "That code is not right, or was already used. Type the newest code from the app, "
                    "or an unused recovery code. After several wrong codes, wait a little before trying again."
                ),
            )
        else:
            otp_login(request, device)
            return redirect(_next_url(request))
    return render(request, "agencies/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@login_required
def two_factor_recovery_codes(request):
    """New recovery codes, shown once (after enrolment, or when asked for: the old ones stop working)."""
    user = request.user
    if request.method == "POST":
        if not user.is_verified():
            raise PermissionDenied(_("Confirm your log-in with a code first."))
        request.session[NEW_CODES_SESSION_KEY] = recovery_codes_replace(user=user)
        return redirect("agencies:two-factor-recovery-codes")
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if codes is None:
        return redirect("agencies:account")
    return render(
        request, "agencies/recovery_codes.html", {"codes": codes, "next": _next_url(request, "agencies:account")}
    )


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(StaffToken.objects.filter(user=request.user), pk=pk)
    staff_token_revoke(token=token, revoked_by=request.user)
    messages.success(request, _("The token was revoked: it no longer works."))
    return redirect("agencies:account")


def _base32(secret: bytes) -> str:
    return b32encode(secret).decode()


def _grouped(text: str) -> str:
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


# ---------------------------------------------------------------------------------------------
# The access log: search and export
# ---------------------------------------------------------------------------------------------

ACCESS_LOG_PER_PAGE = 100
# What a spreadsheet would take for a formula at the start of a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _require_access_log_reader(user) -> None:
    if not may_read_access_log(user):
        raise PermissionDenied(_("The access log is for managers and administrators."))


@require_GET
def access_log(request):
    """Who read, exported or changed which records: newest first, a page of 100 at a time
    (``before``: the oldest entry of the page seen, so paging never counts millions of rows)."""
    _require_access_log_reader(request.user)
    filterset = access_log_search(user=request.user, params=request.GET)
    entries = filterset.qs if filterset.is_valid() else AccessLogEntry.objects.none()
    before = request.GET.get("before", "")
    if before.isdigit():
        entries = entries.filter(id__lt=int(before))
    rows = list(entries[: ACCESS_LOG_PER_PAGE + 1])
    params = request.GET.copy()
    params.pop("before", None)
    return render(
        request,
        "agencies/access_log.html",
        {
            "filter": filterset,
            "entries": rows[:ACCESS_LOG_PER_PAGE],
            "older": rows[ACCESS_LOG_PER_PAGE - 1].id if len(rows) > ACCESS_LOG_PER_PAGE else None,
            "paged": bool(before),
            "query_without_page": params.urlencode(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


ACCESS_LOG_COLUMNS = [
    "id",
    "at_utc",
    "actor",
    "organisation",
    "address",
    "channel",
    "method",
    "endpoint",
    "path",
    "status",
    "action",
    "kind",
    "record_count",
    "record_ids",
]


@require_GET
def access_log_export(request):
    """The search's every entry as CSV, for an auditor: streamed, so a year of the log fits."""
    _require_access_log_reader(request.user)
    filterset = access_log_search(user=request.user, params=request.GET)
    if not filterset.is_valid():
        return render(
            request,
            "agencies/access_log.html",
            {"filter": filterset, "entries": [], "older": None, "paged": False, "query_without_page": ""},
            status=400,
        )
    rows = filterset.qs.values_list(
        "id",
        "at",
        "actor",
        "agency__code",
        "address",
        "channel",
        "method",
        "endpoint",
        "path",
        "status",
        "action",
        "kind",
        "record_ids",
    )
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(ACCESS_LOG_COLUMNS)
        for row in rows.iterator(chunk_size=2000):
            at, record_ids = row[1], row[12]
            yield writer.writerow(
                [
                    row[0],
                    at.astimezone(datetime.UTC).isoformat(),
                    *(_cell(value) for value in row[2:12]),
                    len(record_ids),
                    " ".join(str(record_id) for record_id in record_ids),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
    return response
