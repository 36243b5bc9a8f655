"""The sender block of every letter and PDF that goes to an insured.

The insurer's name, department, address and telephone come from settings (INSURER_*, see
docs/deploy.md); the handler is the claim's handler, printed by personal name with the
desk's telephone and the handler's own mail address (the desk's when none is set). Nothing
internal goes on a letter: no product name, no claim status, no version counter and no
approver (tests/documents/test_letters.py asserts these are absent).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Letterhead:
    name: str
    department: str
    postcode: str
    address: str
    phone: str
    hours: str
    email: str
    handler_name: str
    handler_email: str

    @property
    def footer(self) -> str:
        """One line for the page footer (a CSS string: see css_text)."""
        return css_text(f"{self.name} TEL {self.phone}")


def css_text(text) -> str:
    """A value safe inside a CSS string in the page's <style> (a settings value, but still:
    no quote, backslash, angle bracket, ampersand or line break can end the string or the element)."""
    return "".join(ch for ch in str(text) if ch not in "\"'\\<>&\r\n")[:120]


def _person(user) -> str:
    if user is None:
        return ""
    name = f"{user.last_name} {user.first_name}".strip()
    return name  # never the login name: that is internal


def letterhead(claim=None) -> Letterhead:
    handler = getattr(claim, "handler", None) if claim is not None else None
    desk_email = getattr(settings, "INSURER_EMAIL", "")
    return Letterhead(
        name=getattr(settings, "INSURER_NAME", ""),
        department=getattr(settings, "INSURER_DEPARTMENT", ""),
        postcode=getattr(settings, "INSURER_POSTCODE", ""),
        address=getattr(settings, "INSURER_ADDRESS", ""),
        phone=getattr(settings, "INSURER_PHONE", ""),
        hours=getattr(settings, "INSURER_HOURS", ""),
        email=desk_email,
        handler_name=_person(handler),
        handler_email=(getattr(handler, "email", "") or desk_email) if handler else desk_email,
    )
