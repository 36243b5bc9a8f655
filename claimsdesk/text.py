"""Free text the desk accepts: no bidirectional control characters (#16).

U+202A–U+202E (embeddings and overrides), U+2066–U+2069 (isolates), U+200E/U+200F and
U+061C (marks) reorder what a reader sees: 「ファイル\u202etxt.exe」 shows as ending
in .txt, a client name can print reversed in the settlement PDF. A form field holding one
is refused with a Japanese message next to the field; stored file names have them removed.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
BIDI_MESSAGE = (
    "文字の表示方向を変える制御文字 (U+202E など) は入力できません。"
    "貼り付けた文字列を確認してください。"
)


def has_bidi_controls(value) -> bool:
    return isinstance(value, str) and BIDI_CONTROLS.search(value) is not None


def refuse_bidi_controls(value) -> None:
    """A validator for every free-text field."""
    if has_bidi_controls(value):
        raise ValidationError(BIDI_MESSAGE, code="bidi_control")


def strip_bidi_controls(value: str) -> str:
    return BIDI_CONTROLS.sub("", value or "")


def add_bidi_validator(fields) -> None:
    for field in fields:
        if isinstance(field, forms.CharField) and refuse_bidi_controls not in field.validators:
            field.validators.append(refuse_bidi_controls)


class PlainTextForm:
    """Mixin for a form: every text field refuses bidirectional control characters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bidi_validator(self.fields.values())
