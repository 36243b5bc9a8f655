"""Reading what a browser sent, the same way in every view: ids and `next` targets."""

from django.utils.http import url_has_allowed_host_and_scheme


def is_id(text: str) -> bool:
    """A primary key as typed into a form: ASCII digits (str.isdigit() also takes "²",
    which int() refuses), short enough for any database integer."""
    return text.isascii() and text.isdigit() and len(text) <= 12


def ids(values) -> list[int]:
    """The ids among submitted strings (checkbox values, a split list), each once, in the
    order sent; the rest dropped."""
    return list(dict.fromkeys(int(v) for v in values if is_id(v)))


def safe_next(request, fallback: str) -> str:
    """The POSTed `next` when it points back into this site, else `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
