"""The remarks sheet's form (a labelled box per student, a pasted column) and the comment bank's phrase form."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gradebook.models import MAX_SUBJECT_REMARK
from gradebook.remarks.selectors import RemarkSheet
from gradebook.remarks.services import LENGTH_MESSAGE, remark_key
from gradebook.rules.remarks import Pasted, paste_column

PASTE = "paste"


class RemarksForm(forms.Form):
    """A box per student the teacher may write; a student whose box is not posted keeps their remark."""

    paste = forms.CharField(
        label=gettext_lazy("Paste a column from a spreadsheet: one line per student, in the order of the list"),
        required=False, widget=forms.Textarea(attrs={"rows": 4, "id": "paste-column", "spellcheck": "false"}))

    def __init__(self, data=None, *, sheet: RemarkSheet):
        super().__init__(data)
        self.sheet = sheet
        for row in sheet.writable_rows:
            self.fields[remark_key(row.enrolment.pk)] = forms.CharField(
                label=_("Remark on %(name)s") % {"name": row.enrolment.student.full_name}, required=False,
                initial=row.text, strip=True,
                widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_SUBJECT_REMARK, "class": "remark",
                                             "data-initial": row.text}),
            )

    def clean(self):
        cleaned = super().clean()
        for name in self.fields:
            text = " ".join((cleaned.get(name) or "").split()) if name != PASTE else ""
            if len(text) > MAX_SUBJECT_REMARK:
                self.add_error(name, str(LENGTH_MESSAGE) % {"max": MAX_SUBJECT_REMARK, "count": len(text)})
        return cleaned

    def texts(self) -> dict[int, str]:
        """{enrolment id: text} of the boxes that were posted (a box left out changes nothing)."""
        return {row.enrolment.pk: self.cleaned_data.get(remark_key(row.enrolment.pk), "")
                for row in self.sheet.writable_rows if remark_key(row.enrolment.pk) in self.data}

    @property
    def lines(self) -> list[dict]:
        pasted = getattr(self, "pasted_lines", {})
        return [{"row": row, "field": self[remark_key(row.enrolment.pk)] if row.writable else None,
                 "pasted": pasted.get(row.enrolment.pk)} for row in self.sheet.rows]


def with_pasted_column(data: QueryDict, sheet: RemarkSheet) -> tuple[QueryDict, Pasted, dict[int, int]]:
    """The posted boxes with the pasted column laid onto them in the sheet's order, not saved yet.

    Returns the new data, what the paste held, and {enrolment id: pasted line number} of the boxes it filled.
    """
    data = data.copy()
    rows = sheet.writable_rows
    pasted = paste_column(data.get(PASTE, ""), len(rows))
    filled = {}
    for line, (row, text) in enumerate(zip(rows, pasted.texts, strict=False), start=1):
        data[remark_key(row.enrolment.pk)] = text
        filled[row.enrolment.pk] = line
    data[PASTE] = ""
    return data, pasted, filled


class PhraseForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Phrase"), max_length=MAX_SUBJECT_REMARK,
                           widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_SUBJECT_REMARK}),
                           error_messages={"required": gettext_lazy("Write the phrase."),
                                           "max_length": gettext_lazy("A phrase has at most %(limit_value)s "
                                                                      "characters.")})
    subject = forms.TypedChoiceField(label=gettext_lazy("Subject"), coerce=int, empty_value=None, required=False)
    for_school = forms.BooleanField(label=gettext_lazy("For the whole school"), required=False)

    def __init__(self, data=None, *, subjects, keeps_school: bool, initial=None, editing: bool = False):
        super().__init__(data, initial=initial)
        self.subjects = {subject.pk: subject for subject in subjects}
        self.fields["subject"].choices = [("", _("Every subject")),
                                          *((subject.pk, subject.name) for subject in subjects)]
        if editing or not keeps_school:
            del self.fields["for_school"]

    @property
    def chosen_subject(self):
        return self.subjects.get(self.cleaned_data.get("subject"))
