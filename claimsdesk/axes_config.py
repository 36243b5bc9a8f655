"""django-axes (the sign-in throttle) in Japanese in Django admin.

axes ships no Japanese catalogue: its models, fields and admin labels are translated in
claimsdesk/locale. An app's name is not a translated string, so it is set here, and so are
the rows' names (axes builds them in English f-strings), which head their admin pages, and
the attempts list's status column, which axes leaves unnamed ('Status').
"""

from axes.apps import AppConfig as AxesAppConfig

from claimsdesk.display import ymd_hm


def _attempt(self):
    return f"{self.username} のサインイン試行 ({ymd_hm(self.attempt_time)}, {self.ip_address})"


def _failure(self):
    locked = " ロックアウト" if self.locked_out else ""
    return (
        f"{self.username} のサインイン失敗{locked} ({ymd_hm(self.attempt_time)}, {self.ip_address})"
    )


def _log(self):
    return f"{self.username} のサインイン記録 ({ymd_hm(self.attempt_time)})"


class AxesConfig(AxesAppConfig):
    verbose_name = "サインインの試行記録 (django-axes)"

    def ready(self):
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessAttempt.__str__ = _attempt
        AccessFailureLog.__str__ = _failure
        AccessLog.__str__ = _log
        # the attempts list's column of tries left (「7 回まで試行可」), unnamed in axes
        from axes.admin import AccessAttemptAdmin

        AccessAttemptAdmin.status.short_description = "状態"
