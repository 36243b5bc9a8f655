"""Path converters: a URL segment that cannot name anything is a 404 before any view runs.

`claimnumber` takes what a claim number can be (claims.Claim.number, at most 20 characters)
and refuses control characters: a NUL (%00) never reaches a query, where PostgreSQL would
refuse it with an error (a 500). `slug_part` does the same for the short names a route
picks from a fixed list (an item section, a document kind).
"""

from django.urls import register_converter
from django.urls.converters import StringConverter


class ClaimNumberConverter(StringConverter):
    regex = r"[^/\x00-\x1f\x7f]{1,20}"


class NameConverter(StringConverter):
    regex = r"[A-Za-z0-9_-]{1,40}"


register_converter(ClaimNumberConverter, "claimnumber")
register_converter(NameConverter, "name")
