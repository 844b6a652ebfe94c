from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from imports.models import ImportKind, ImportRun
from imports.readers import UnreadableFile, open_table
from imports.services import COLUMNS, mapping_problems


class ImportUploadForm(forms.Form):
    error_messages = {
        "too_big": _("The file is larger than %(limit)s MB."),
    }

    kind = forms.ChoiceField(label=_("What to import"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (any delimiter; UTF-8 or Windows-1252) or Excel .xlsx."),
    )

    def clean_file(self):
        # settings.IMPORT_MAX_UPLOAD_BYTES: 50,000 products are about 5 MB of CSV.
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                self.error_messages["too_big"],
                code="too_big",
                params={"limit": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        return upload


def read_headers(path) -> list[str]:
    """The file's header row; raises forms.ValidationError with the reader's reason."""
    try:
        with open_table(path) as (headers, rows):
            if next(rows, None) is None:
                raise UnreadableFile(gettext("The file has a header row but no rows below it."))
            return headers
    except UnreadableFile as error:
        raise forms.ValidationError(str(error), code="unreadable") from None


class ImportMappingForm(forms.ModelForm):
    """A column of the file for each field, and the run's options."""

    class Meta:
        model = ImportRun
        fields = ["update_existing", "create_missing", "all_or_nothing"]

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        self.columns = COLUMNS[self.instance.kind]
        choices = [
            ("", gettext("— not imported —")),
            *((header, header) for header in headers if header),
        ]
        for column in self.columns:
            self.fields[f"column_{column.name}"] = forms.ChoiceField(
                label=column.shown_label + (" *" if column.required else ""),
                choices=choices,
                required=False,
                initial=initial_mapping.get(column.name, ""),
                help_text=column.shown_help,
            )
        if self.instance.kind != ImportKind.PRODUCTS:
            del self.fields["create_missing"]
        if self.instance.kind == ImportKind.OPENING_STOCK:
            del self.fields["update_existing"]

    def mapping(self) -> dict[str, str]:
        return {
            column.name: self.cleaned_data.get(f"column_{column.name}", "")
            for column in self.columns
        }

    def clean(self):
        cleaned = super().clean()
        for problem in mapping_problems(self.instance.kind, self.mapping(), self.headers):
            self.add_error(None, problem)
        return cleaned
