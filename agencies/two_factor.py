"""Two-factor authentication (TOTP, with one-time recovery codes), on django-otp's devices.

Who must use it: the roles in ``OTP_REQUIRED_ROLES`` (managers and administrators by default),
and anyone who has enrolled of their own accord. Such a person logged in with a password only is
sent to enrol (no confirmed authenticator yet) or to give a code, and reaches nothing else until
then. API tokens are not concerned: they are issued to a person by an administrator, for scripts.
"""

import hashlib
import secrets
from base64 import b32encode
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.api.errors import PROBLEM_CONTENT_TYPE, problem_body
from agencies.middleware import LoginRequiredMiddleware
from agencies.models import User
from agencies.problems import Refused

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_BYTES = 10  # 80 bits: 16 base-32 characters, shown as xxxx-xxxx-xxxx-xxxx
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"
# Set at log-in for a person with an authenticator whose role does not require one, so that the
# middleware need not look for devices on every request.
ENROLLED_SESSION_KEY = "two_factor_enrolled"


def role_requires_two_factor(user: User) -> bool:
    required = set(settings.OTP_REQUIRED_ROLES)
    return user.role in required or (user.is_superuser and User.Role.ADMIN in required)


def two_factor_pending(request) -> bool:
    """True while a logged-in person who must give a second factor has not given it in this session."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    return role_requires_two_factor(user) or bool(request.session.get(ENROLLED_SESSION_KEY))


def two_factor_note_enrolment(sender, request, user, **kwargs) -> None:
    """At log-in (``user_logged_in``), remember whether this person has an authenticator to ask for."""
    if request is None or not hasattr(request, "session") or role_requires_two_factor(user):
        return
    if has_authenticator(user):
        request.session[ENROLLED_SESSION_KEY] = True


def has_authenticator(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def totp_device_start(*, user: User) -> TOTPDevice:
    """The authenticator being enrolled: an unconfirmed device, the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def totp_device_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator being enrolled with a code it shows; return it and new recovery codes.

    The person's earlier authenticator, if any, stops working: one authenticator per person.
    Refused (nothing changed) for a wrong code.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise Refused.one("code", "no_enrolment", _("Start again: scan the code on the enrolment page."))
    if not device.verify_token(code.strip().replace(" ", "")):
        raise Refused.one(
            "code", "wrong_code", _("That code is not right. Check the phone's clock, then type the newest code.")
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_replace(user=user)
    return device, codes


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def recovery_code_digest(code: str) -> str:
    """What is stored of a recovery code: a SHA-256, cut to django-otp's 16-character column
    (64 bits). The codes are 80-bit random strings, so the digest cannot be turned back into one."""
    return hashlib.sha256(_normalised(code).encode()).hexdigest()[:16]


def recovery_codes_replace(*, user: User) -> list[str]:
    """New one-time recovery codes for ``user``, the earlier ones no longer working; shown once,
    stored only as digests."""
    codes = [
        "-".join(chunk[i : i + 4] for i in range(0, 16, 4))
        for chunk in (
            b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode().lower() for _ in range(RECOVERY_CODE_COUNT)
        )
    ]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        StaticToken.objects.bulk_create(
            [StaticToken(device=device, token=recovery_code_digest(code)) for code in codes]
        )
    return codes


def second_factor_check(*, user: User, code: str):
    """The device that accepts ``code`` (the authenticator's current code, or an unused recovery
    code, which is then used up), or ``None``. Wrong codes slow the device down (django-otp's throttling)."""
    code = _normalised(code)
    if not code:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            presented = recovery_code_digest(code) if isinstance(device, StaticDevice) else code
            if device.verify_token(presented):
                return device
    return None


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def device_session_key() -> str:
    return DEVICE_ID_SESSION_KEY


# Pages a person who still owes a second factor may reach: logging in and out, the two-factor
# pages themselves, the language switch, health checks. Everything else waits for the code.
TWO_FACTOR_EXEMPT_VIEWS = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "healthz",
        "readyz",
        "agencies:two-factor-setup",
        "agencies:two-factor-verify",
        "agencies:two-factor-recovery-codes",
    }
)


class TwoFactorRequiredMiddleware:
    """Send a person who owes a second factor to enrol or to give a code; the API answers 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.view_name in TWO_FACTOR_EXEMPT_VIEWS:
            return None
        if not two_factor_pending(request):
            return None
        if request.path_info.startswith(LoginRequiredMiddleware.api_prefix):
            body = problem_body(
                status_code=403,
                code="two_factor_required",
                detail=_(
                    "This account must confirm its log-in with a second factor in the browser first, "
                    "or use an API token."
                ),
                instance=request.path,
            )
            return JsonResponse(body, status=403, content_type=PROBLEM_CONTENT_TYPE)
        target = "agencies:two-factor-verify" if has_authenticator(request.user) else "agencies:two-factor-setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
