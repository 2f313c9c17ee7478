from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Agencies, offices and people")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from agencies.sessions import logout_confirm, session_start
        from agencies.two_factor import two_factor_note_enrolment

        # Plumbing, not business logic: every log-in (page, admin, test) starts the session's clocks
        # and notes whether a second factor is to be asked for; a log-out says it happened.
        user_logged_in.connect(session_start, dispatch_uid="agencies.session_start")
        user_logged_in.connect(two_factor_note_enrolment, dispatch_uid="agencies.two_factor_note_enrolment")
        user_logged_out.connect(logout_confirm, dispatch_uid="agencies.logout_confirm")


@checks.register(checks.Tags.security, deploy=True)
def access_log_on(app_configs, **kwargs):
    """The access log may be off only to measure what it costs (``make bench``), never in production."""
    if settings.ACCESS_LOG_ENABLED:
        return []
    return [
        checks.Warning(
            "The access log is off (DJANGO_ACCESS_LOG=0): reads of personal records are not recorded.",
            hint="Unset DJANGO_ACCESS_LOG in production.",
            id="agencies.W001",
        )
    ]
