"""Forms of individual education plans: the subject × mode table of one student, the principal's approval.

The mode fields are named by gradebook.plans.services.mode_field, so that a service's refusal
lands at the subject where it was chosen.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from gradebook.models import PlanModeChoice
from gradebook.plans.selectors import PlanPage
from gradebook.plans.services import MAX_NOTE, mode_field

MODE_CHOICES = [("", _("As the class")), *PlanModeChoice.choices]


class PlanForm(forms.Form):
    note = forms.CharField(label=_("What the plan adjusts (goals, support)"), required=False, max_length=MAX_NOTE,
                           widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=200,
                             help_text=_("Required when the plan is already approved: it then goes back to the "
                                         "principal."))

    def __init__(self, data=None, *, page: PlanPage):
        super().__init__(data, initial={"note": page.plan.note if page.plan else ""})
        self.page = page
        for row in page.subjects:
            self.fields[mode_field(row.subject.pk)] = forms.ChoiceField(
                label=row.subject.name, choices=MODE_CHOICES, required=False, initial=row.mode)

    @property
    def mode_fields(self) -> list:
        return [self[mode_field(row.subject.pk)] for row in self.page.subjects]

    def modes(self) -> dict[int, str]:
        return {row.subject.pk: self.cleaned_data.get(mode_field(row.subject.pk), "") for row in self.page.subjects}


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=255)
