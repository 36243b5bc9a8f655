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

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from claimsdesk.text import add_bidi_validator


class HistoryAdmin(SimpleHistoryAdmin):
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
