"""Admin pieces shared by the apps."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils.translation import gettext


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records only the stock engine may write: the admin shows them, nothing more.

    Adding, editing or deleting them here would bypass the stock ledger.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ArchivableAdmin(admin.ModelAdmin):
    """For records history refers to (products, parties, stores...): the admin refuses to
    delete one that is referred to with the reason in plain words, and offers archiving,
    as the site's own delete page does, instead of Django's "your account doesn't have
    permission to delete … stock movement" (the ledger is read-only to everyone)."""

    def delete_view(self, request, object_id, extra_context=None):
        from core.crud import count_referrers, describe_referrers

        record = self.get_object(request, object_id)
        if record is not None and (referrers := count_referrers(record)):
            messages.error(
                request,
                gettext(
                    "%(record)s cannot be deleted: %(reason)s. Archive it instead (untick "
                    "“Active” and save): it leaves lists and pickers but stays in history."
                )
                % {"record": record, "reason": describe_referrers(referrers)},
            )
            info = self.opts.app_label, self.opts.model_name
            return redirect(f"admin:{info[0]}_{info[1]}_change", record.pk)
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        # "Delete selected" would list the ledger rows it cannot delete: archive instead.
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions
