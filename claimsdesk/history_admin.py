"""Admin base classes that keep money out of Django admin's reach (#16).

- `HistoryAdmin`: django-simple-history's admin with revert refused. The setting
  SIMPLE_HISTORY_REVERT_DISABLED only hides the button; the history form view still saves
  a POST, writing the old version's every field (statuses and amounts included) and
  checking only the *view* permission. Here any POST to it is refused (403), for everyone.
- `ReadOnlyAdmin`: a model that services own (claims and their items, payouts, recoveries,
  status records, documents, requests, render jobs): view only, for superusers too. Those
  rows change through claims.services and documents.services, which keep the four-eyes
  rule, the state machine and the clock.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import models
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from claimsdesk.display import ymd, ymd_hm
from claimsdesk.text import add_bidi_validator


class JapaneseValues(HistoricalRecordContextHelper):
    """A history change as a person reads it: a choice by its label (承認済み, not
    `approved`), a yes/no in Japanese, a date as 2026/11/30, money as 1,248,000円 and an
    empty value as 「—」, not `None`."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "はい" if value else "いいえ"
        if field.choices and not isinstance(value, list):
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, datetime.date):  # one date format on screen: 2026/11/30
            return ymd_hm(value) if isinstance(value, datetime.datetime) else ymd(value)
        if _is_yen(field) and isinstance(value, int):
            return f"{value:,}円"
        return value


def _is_yen(field) -> bool:
    """An amount of money: an integer column named as one (請求額, 支払額 (円), 時給 (円))."""
    label = str(getattr(field, "verbose_name", ""))
    return (
        isinstance(field, models.IntegerField)
        and not field.is_relation
        and ("額" in label or "円" in label)
    )


class HistoryAdmin(SimpleHistoryAdmin):
    def get_historical_record_context_helper(self, request, historical_record):
        return JapaneseValues(self.model, historical_record)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            add_bidi_validator([field])
        return field

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied("履歴からの復元はできません。")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(ReadOnlyMixin, HistoryAdmin):
    pass
