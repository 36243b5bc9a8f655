"""The overtime premium (割増率) as the `assess` contract takes it, for forms and the importer.

RULES.md: a decimal of at least 1 ("1.25", "1.255", "1.3333", "1.250"). The contract's
parser (coverage.validation) takes plain digits, below 1000, up to 12 decimals; the column
(OvertimeEntry.premium) holds exactly that, so what is typed is what the engine multiplies.
Here full-width digits and surrounding spaces are forgiven, and refusals are Japanese.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

PATTERN = re.compile(r"[0-9]{1,3}(\.[0-9]{1,12})?")

INVALID = "割増率は 1.25 のような数で入力してください (1.255 など小数点以下12桁まで)。"
TOO_SMALL = "割増率は 1 以上で入力してください。"
TOO_LARGE = "割増率は 1000 未満で入力してください。"


class PremiumError(ValueError):
    """Why a premium was refused (the message is for the user)."""


def parse_premium(value) -> Decimal:
    """ "1.255" -> Decimal("1.255"); a refusal raises PremiumError with a Japanese message."""
    if isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, bool) or value is None:
        raise PremiumError(INVALID)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"[0-9]{4,}(\.[0-9]*)?", text):
        raise PremiumError(TOO_LARGE)
    if not PATTERN.fullmatch(text):
        if re.fullmatch(r"-?0*\.?[0-9]+(\.[0-9]+)?", text) and text.startswith(("-", "0", ".")):
            raise PremiumError(TOO_SMALL)
        raise PremiumError(INVALID)
    premium = Decimal(text)
    if premium < 1:
        raise PremiumError(TOO_SMALL)
    return premium


def format_premium(value) -> str:
    """Decimal("1.255000000000") -> "1.255"; Decimal("2.000") -> "2"; other values as text."""
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except ArithmeticError:
            return value
    if not isinstance(value, Decimal):
        return "" if value is None else str(value)
    text = format(value.normalize(), "f")
    return text
