"""The triage queue's table rows, built in Python like the admin changelist's result rows.

{% load queue_rows %}
{% queue_rows claims queue.show_incident %}

A queue page shows 50 to 200 rows of twelve cells. Rendered by the template language
(a for loop, ~25 tag and variable nodes a row) they were about half of the page's time at
100,000 claims (docs/benchmarks.md); one f-string a row, with every value from the
database escaped, produces the same markup in a fraction of it. The badges are the same
functions the claim page uses (status_badge, clock_badge, queue_dates, follow_up_badge,
next_action_badge) and the filters (days_since, yen), with one `today` for the page.
"""

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape as esc
from django.utils.safestring import mark_safe

from claims import clock
from claims.templatetags.claims_extras import (
    days_since,
    follow_up_badge,
    next_action_badge,
    status_badge,
)
from claims.templatetags.payout_tags import clock_badge, queue_dates
from claims.templatetags.yen import yen
from claimsdesk.display import person_name, ymd

register = template.Library()

_NUMBER = "C00-000000"  # a placeholder claim number, to reverse the detail URL once a page
_NONE = '<span class="text-secondary">—</span>'
_UNASSIGNED = '<span class="text-secondary">未割当</span>'
_Q7 = '<span class="badge text-bg-danger" title="クラウド事業者へ直接請求 (Q7)">Q7 直接請求</span>'
_Q8 = '<span class="badge text-bg-warning" title="顧問先との交渉が難航 (Q8)">Q8 難航</span>'


def queue_row(c, *, show_incident: bool, detail_url: str, today) -> str:
    """One <tr> of the queue for claim `c` (with policy__insured, incident and handler
    selected, and the queue's task_due_on annotation)."""
    insured = c.policy.insured
    number = esc(c.number)
    name = esc(insured.name)
    state = clock.payment_clock(c, today)
    incident = incident_copy = ""
    if show_incident:
        provider = esc(c.incident.provider_name)
        incident = (
            f'<td class="small text-nowrap d-none d-lg-table-cell">{provider}<br>'
            f'<span class="text-secondary">{ymd(c.incident.occurred_on)} 発生</span></td>'
        )
        # below lg (200 % zoom) the column gives way and the provider shows under the name
        incident_copy = (
            f'<br><small class="text-secondary d-lg-none queue-incident">{provider}</small>'
        )

    handler = f"{esc(person_name(c.handler))}" if c.handler_id else _UNASSIGNED
    days = days_since(c.reported_at)
    age = "—" if days is None else f"{days} 日"
    next_on = ymd(c.next_action_on) if c.next_action_on else _NONE
    flags = [
        _Q7 if c.direct_recovery_elected else "",
        follow_up_badge(c),
        next_action_badge(c, today),
        _Q8 if c.talks_difficult else "",
        (
            '<span class="badge text-bg-light border" title="証憑待ちの項目">'
            f"保留 {esc(c.pending_items)}</span>"
            if c.pending_items
            else ""
        ),
    ]
    return (
        "<tr>"
        f'<td><input type="checkbox" class="form-check-input" name="claim" value="{c.pk}"'
        f' aria-label="{number} を選択" data-confirm-label="{number} {name}"></td>'
        f'<td class="text-nowrap"><a href="{detail_url.replace(_NUMBER, quote(c.number))}"'
        f' class="fw-semibold">{number}</a></td>'
        f'<td class="insured">{name}<br><small class="text-secondary text-nowrap">'
        f"登録番号 {esc(insured.registration_number)}</small>{incident_copy}</td>"
        f"{incident}"
        f"<td>{status_badge(c)}{queue_dates(c, state)}</td>"
        f'<td class="text-nowrap">{handler}</td>'
        f'<td class="num d-none d-lg-table-cell">{age}</td>'
        f'<td class="num d-none d-lg-table-cell">{yen(c.total_claimed)}</td>'
        f'<td class="num d-none d-lg-table-cell">{yen(c.total_payable)}</td>'
        f'<td class="small text-nowrap d-none d-lg-table-cell">{clock_badge(state)}</td>'
        f'<td class="small text-nowrap next-action-on d-none d-lg-table-cell">{next_on}</td>'
        f'<td class="small queue-flags">{" ".join(f for f in flags if f)}</td>'
        "</tr>\n"
    )


@register.simple_tag
def queue_rows(claims, show_incident=False):
    """Every row of one queue page, as one safe string."""
    detail_url = reverse("claims:detail", args=[_NUMBER])
    today = timezone.localdate()
    return mark_safe(  # noqa: S308 - every value from the database is escaped in queue_row
        "".join(
            queue_row(c, show_incident=show_incident, detail_url=detail_url, today=today)
            for c in claims
        )
    )
