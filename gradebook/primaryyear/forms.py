"""Forms of a primary class's year: the traits sheet, a student's year record, the principal's decision.

The traits sheet's field names are selectors.cell_key's, so that a refused cell shows its message
where it was typed.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from gradebook.models import PrimaryYearRecord, PrimaryYearResult
from gradebook.primaryyear.selectors import StudentYear, TraitsSheet
from gradebook.primaryyear.services import MAX_ACHIEVEMENTS, MAX_PLAN, MAX_REMARK, TraitInput


class TraitsForm(forms.Form):
    """One text box per writable cell of the sheet: T, Đ (or D) or C, any case; empty clears it."""

    def __init__(self, data=None, *, sheet: TraitsSheet):
        super().__init__(data)
        self.sheet = sheet
        self.cells: dict[str, tuple[int, str]] = {}
        if not sheet.editable:
            return
        for row in sheet.rows:
            if not row.writable:
                continue
            for cell in row.cells:
                self.cells[cell.key] = (row.enrolment.pk, cell.trait)
                self.fields[cell.key] = forms.CharField(
                    label=cell.label, required=False, max_length=20, initial=cell.value,
                    widget=forms.TextInput(attrs={"class": "lv", "maxlength": 20, "autocomplete": "off",
                                                  "spellcheck": "false", "aria-label": cell.label}))

    def entries(self) -> list[TraitInput]:
        return [TraitInput(enrolment_id, trait, self.cleaned_data.get(key, ""))
                for key, (enrolment_id, trait) in self.cells.items()]


RESULT_CHOICES = [("", "—"), *PrimaryYearResult.choices]


class YearRecordForm(forms.Form):
    """The homeroom teacher's part of the record: the proposal only for HTT, support and re-assessment only for CHT."""

    proposed_outstanding = forms.BooleanField(
        label=_("Proposed by the class as Học sinh Tiêu biểu"), required=False,
        help_text=_("For a student who completed well (HTT) with an outstanding achievement or clear progress."))
    achievements = forms.CharField(label=_("Outstanding achievements"), required=False, max_length=MAX_ACHIEVEMENTS,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    homeroom_remark = forms.CharField(label=_("Homeroom teacher's remark"), required=False, max_length=MAX_REMARK,
                                      widget=forms.Textarea(attrs={"rows": 3}))
    support_plan = forms.CharField(label=_("Support plan"), required=False, max_length=MAX_PLAN,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    reassessed_result = forms.ChoiceField(label=_("Result after re-assessment"), required=False,
                                          choices=RESULT_CHOICES)
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=100)

    def __init__(self, data=None, *, year: StudentYear):
        record = year.row.record
        initial = {name: getattr(record, name) for name in (
            "proposed_outstanding", "achievements", "homeroom_remark", "support_plan", "reassessed_result")} \
            if record else {}
        super().__init__(data, initial=initial)
        row = year.row
        self.shows_proposal = row.computed is not None and row.computed.value == "htt" or bool(
            record and record.proposed_outstanding)
        self.shows_support = row.needs_support or bool(record and (record.support_plan or record.reassessed_result))
        if not self.shows_proposal:
            del self.fields["proposed_outstanding"]
        if not self.shows_support:
            del self.fields["support_plan"]
            del self.fields["reassessed_result"]
        self.record = record

    def values(self) -> dict:
        """Every field of the record, the hidden ones kept as stored."""
        record = self.record
        kept = {name: getattr(record, name) if record else default for name, default in (
            ("proposed_outstanding", False), ("support_plan", ""), ("reassessed_result", ""))}
        cleaned = {name: value for name, value in self.cleaned_data.items() if name != "reason"}
        return {**kept, **cleaned}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Principal's decision"), required=False,
                                 choices=[("", "—"), *PrimaryYearRecord.Decision.choices])
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=100)
