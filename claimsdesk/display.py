"""How the desk writes dates and people (issue 18, item 9).

- On screen, in messages and in the history: one date format, 2026/11/30 (`ymd`,
  `ymd_hm` with the local time).
- In letters and PDFs to insureds: 2026年11月30日 (`ymd_ja`).
- A person: family name first with a space, 伊藤 恵理, or the username when no name is on
  file (`person_name`). Django's `get_full_name` puts the given name first: not used.
"""

from __future__ import annotations

import datetime

from django.utils import timezone


def _local(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def ymd(value) -> str:
    if not value:
        return ""
    value = _local(value)
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def ymd_hm(value) -> str:
    if not value:
        return ""
    value = _local(value)
    if not isinstance(value, datetime.datetime):
        return ymd(value)
    return f"{ymd(value)} {value.hour:02d}:{value.minute:02d}"


def ymd_ja(value) -> str:
    if not value:
        return ""
    value = _local(value)
    return f"{value.year}年{value.month}月{value.day}日"


def person_name(user) -> str:
    if user is None:
        return ""
    last = (getattr(user, "last_name", "") or "").strip()
    first = (getattr(user, "first_name", "") or "").strip()
    full = f"{last} {first}".strip()
    return full or user.get_username()
