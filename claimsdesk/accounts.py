"""Sign-in protection (#16): throttling with lockout, the client address, the lockout page,
and a password rule that knows the romanised name.

Throttling is django-axes: failures are counted per account and per client address
(AXES_LOCKOUT_PARAMETERS in settings), and at the limit both the wrong and the right
password are refused for the cool-off period with a Japanese page (status 429). Failed
sign-ins are logged on `claimsdesk.security` (claimsdesk.middleware) and so are lockouts
(here). An administrator lifts a lock early with `manage.py axes_reset_username NAME` or
`manage.py axes_reset_ip ADDRESS` (docs/deploy.md).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from difflib import SequenceMatcher
from functools import cache

from axes.backends import AxesStandaloneBackend
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.shortcuts import render

security_log = logging.getLogger("claimsdesk.security")


def client_ip(request) -> str:
    """The client's address. Behind the TLS proxy (BEHIND_TLS_PROXY) it is the last
    X-Forwarded-For entry, the one our proxy appended; a client cannot forge that one."""
    if request is None:
        return ""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-1][:45]
    return request.META.get("REMOTE_ADDR", "")


class AxesBackend(AxesStandaloneBackend):
    """Axes' lockout check for every sign-in through a view (they all pass `request`).

    Calls without a request (`authenticate()` in a shell or a management command, Django's
    test client `login()`) carry no client to throttle: they go on to ModelBackend
    unthrottled instead of failing with AxesBackendRequestParameterRequired."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    return (
        f"ログインに{settings.AXES_FAILURE_LIMIT}回失敗したため、このアカウントまたは"
        f"この接続元からのログインを{lockout_minutes()}分間停止しています。"
        "時間をおいてから再度お試しください。急ぐ場合は管理者に解除を依頼してください。"
    )


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in page again, with why and for how long, and status 429."""
    form = AuthenticationForm(request)
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": lockout_message(), "next": request.POST.get("next", "")},
        status=429,
    )


@receiver(user_locked_out, dispatch_uid="claimsdesk.log_lockout")
def log_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    security_log.warning(
        "sign-in locked out",
        extra={"event": "login_locked_out", "username": str(username or "")[:150],
               "ip": ip_address or client_ip(request)},
    )  # fmt: skip


# --- password policy -------------------------------------------------------------------

_LONG_VOWELS = [("ou", "o"), ("oo", "o"), ("uu", "u"), ("ei", "e"), ("aa", "a"), ("ii", "i")]


@cache
def _kakasi():
    import pykakasi  # imported on first use: its dictionary takes a moment to load

    return pykakasi.kakasi()


def romanised(text: str) -> list[str]:
    """Hepburn readings of a Japanese name, with and without long vowels (佐藤 → satou, sato)."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return []
    if text.isascii():
        plain = re.sub(r"[^a-z0-9]", "", text.lower())
    else:
        plain = "".join(part["hepburn"] for part in _kakasi().convert(text))
        plain = re.sub(r"[^a-z0-9]", "", plain.lower())
    short = plain
    for long, one in _LONG_VOWELS:
        short = short.replace(long, one)
    return [v for v in dict.fromkeys([plain, short]) if v]


def _squash(password: str) -> str:
    plain = re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", password).lower())
    for long, one in _LONG_VOWELS:
        plain = plain.replace(long, one)
    return plain


class RomanisedNameValidator:
    """Refuse a password built on the user's name as typed in romaji (Sato-Aiko-2026,
    aikosatou!, Daisuke1985): Django's similarity check compares only with the name as
    stored, which here is in kanji."""

    def __init__(self, min_part_length: int = 3, max_similarity: float = 0.7):
        self.min_part_length = min_part_length
        self.max_similarity = max_similarity

    def _names(self, user) -> list[str]:
        last = romanised(getattr(user, "last_name", ""))
        first = romanised(getattr(user, "first_name", ""))
        names = last + first
        names += [a + b for a in last for b in first] + [b + a for a in last for b in first]
        names += romanised(getattr(user, "username", ""))
        email = getattr(user, "email", "") or ""
        names += [p for part in re.split(r"\W+", email.split("@")[0]) for p in romanised(part)]
        return [n for n in dict.fromkeys(names) if len(_squash(n)) >= self.min_part_length]

    def validate(self, password, user=None):
        if user is None:
            return
        squashed = _squash(password)
        for name in self._names(user):
            name = _squash(name)
            if name in squashed or (
                SequenceMatcher(a=squashed, b=name).quick_ratio() >= self.max_similarity
                and SequenceMatcher(a=squashed, b=name).ratio() >= self.max_similarity
            ):
                raise ValidationError(
                    "このパスワードは氏名 (ローマ字) やユーザー名に似すぎています。",
                    code="password_too_similar_romanised",
                )

    def get_help_text(self):
        return "氏名のローマ字 (例: sato, aiko) やユーザー名を含むパスワードは使えません。"


def axes_username(request, credentials) -> str:
    """The account a sign-in attempt names, as stored by axes: NUL-free (PostgreSQL refuses
    it in text) and no longer than a username can be."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username", "")
    return unicodedata.normalize("NFKC", str(value or "")).replace("\x00", "").strip()[:150]
