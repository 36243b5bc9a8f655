"""Request id and security logging.

`RequestIdMiddleware` (first in MIDDLEWARE) takes the caller's X-Request-ID (from the proxy)
when it looks sane or makes one, puts it on every log record of the request and on the
response's X-Request-ID header. It logs refusals: 403 answers (PermissionDenied, CSRF) and
404 answers to signed-in users (a claim they may not see answers 404, never its data), on
the `claimsdesk.security` logger. Failed logins are logged from Django's
`user_login_failed` signal on the same logger, without the password.
"""

from __future__ import annotations

import logging
import re
import uuid

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import OperationalError
from django.dispatch import receiver
from django.shortcuts import render

from claimsdesk.logging import request_id_var

security_log = logging.getLogger("claimsdesk.security")

HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


def _client_ip(request) -> str:
    from claimsdesk.accounts import client_ip

    return client_ip(request)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request_id = given if _SANE.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            self._log_refusal(request, response)
            return response
        finally:
            request_id_var.reset(token)

    @staticmethod
    def _log_refusal(request, response):
        status = response.status_code
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if status == 403 or (status == 404 and signed_in):
            security_log.warning(
                "permission refused" if status == 403 else "not found or not visible",
                extra={
                    "event": "permission_denied" if status == 403 else "not_found",
                    "status": status,
                    "method": request.method,
                    "path": request.path,
                    "user": user.get_username() if signed_in else "",
                    "ip": _client_ip(request),
                },
            )


@receiver(user_login_failed, dispatch_uid="claimsdesk.log_failed_login")
def log_failed_login(sender, credentials, request=None, **kwargs):
    security_log.warning(
        "login failed",
        extra={
            "event": "login_failed",
            "username": str(credentials.get("username", ""))[:150],
            "ip": _client_ip(request),
            "path": request.path if request is not None else "",
        },
    )


# --- response headers: CSP on HTML, no-store on everything the app itself answers ---------


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every HTML page (settings.CONTENT_SECURITY_POLICY: the
    vendored assets under /static/, no inline script) unless the view set its own (document
    previews do), and `Cache-Control: private, no-store` on every answer the app makes:
    claim pages, queues, CSV exports and documents carry personal data, and a shared or
    back-button cache must not keep them. Static files are served by WhiteNoise before this
    and keep their long cache headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and response.get(
            "Content-Type", ""
        ).startswith("text/html"):
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "private, no-store"
        return response


# --- a row lock held elsewhere: a Japanese 503, not a worker killed at the gunicorn timeout -
# Also a deadlock or a serialization failure: PostgreSQL rolled that transaction back whole,
# so nothing of it was saved and trying again is the right answer, not a 500.

BUSY_MESSAGE = "他の処理が実行中です。しばらくしてから再度お試しください。"
_BUSY_SQLSTATES = {
    "55P03",  # lock_not_available (lock_timeout)
    "57014",  # query_canceled (statement_timeout)
    "40P01",  # deadlock_detected
    "40001",  # serialization_failure
}


def is_busy_error(exc) -> bool:
    """A lock or statement timeout (PostgreSQL) or a locked SQLite file."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    return "database is locked" in str(exc)


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if not is_busy_error(exc):
            return None
        security_log.warning(
            "database busy",
            extra={"event": "db_busy", "path": request.path, "method": request.method,
                   "error": str(exc).splitlines()[0][:200] if str(exc) else ""},
        )  # fmt: skip
        response = render(request, "503_busy.html", status=503)
        response["Retry-After"] = "10"
        return response


# --- htmx requests that meet an expired session or a CSRF failure (issue 18, item 4) -------
SESSION_EXPIRED_MESSAGE = (
    "セッションの有効期限が切れました。別のタブでサインインしてから、もう一度保存してください。"
)
CSRF_FAILED_MESSAGE = (
    "画面の有効期限が切れたため保存できませんでした。"
    "別のタブでサインインしてから、もう一度保存してください。"
)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def is_script_request(request) -> bool:
    """htmx, or a script's XMLHttpRequest (the documents panel's upload)."""
    return is_htmx(request) or request.headers.get("X-Requested-With") == "XMLHttpRequest"


def htmx_refusal(status: int, message: str, request=None):
    """A small answer htmx does not swap: the page and the typed values stay, and
    static/js/safety.js shows `message` with a sign-in link opening in a new tab. A plain
    XMLHttpRequest (the upload) gets the same message as JSON errors."""
    from django.http import HttpResponse, JsonResponse
    from django.shortcuts import resolve_url

    if request is not None and not is_htmx(request):
        response = JsonResponse(
            {"ok": False, "errors": [{"name": "", "message": message}]}, status=status
        )
    else:
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["HX-Reswap"] = "none"
    response["X-Login-URL"] = resolve_url(settings.LOGIN_URL)
    return response


class HtmxSessionMiddleware:
    """After AuthenticationMiddleware: an htmx request that login_required would redirect to
    the login page answers 401 instead, so htmx never swaps the login page into the middle
    of a claim page (a plain request keeps the redirect)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_script_request(request) and response.status_code == 302:
            from django.shortcuts import resolve_url

            login = resolve_url(settings.LOGIN_URL)
            if response.get("Location", "").split("?", 1)[0] == login:
                return htmx_refusal(401, SESSION_EXPIRED_MESSAGE, request)
        return response


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: htmx gets a 403 it does not swap (the form keeps its values);
    a plain form post gets the Japanese 403 page saying to sign in again."""
    if is_script_request(request):
        return htmx_refusal(403, CSRF_FAILED_MESSAGE, request)
    return render(request, "403_csrf.html", {"message": CSRF_FAILED_MESSAGE}, status=403)
