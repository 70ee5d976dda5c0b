"""The signing plan's form: one kind's stages in order (up to four places), the reason of the change."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import SigningRole

PLACES = len(SigningRole.values)


class PlanForm(forms.Form):
    reason = forms.CharField(label=_("Reason of the change"), max_length=200,
                             error_messages={"required": _("Give the reason of the change (a decision of the "
                                                           "school, a letter of the Sở…).")})

    def __init__(self, *args, current: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        for place in range(1, PLACES + 1):
            self.fields[f"stage_{place}"] = forms.ChoiceField(
                label=_("Stage %(number)s") % {"number": place}, required=False,
                choices=[("", "—"), *SigningRole.choices],
                initial=current[place - 1] if place <= len(current) else "")
        # the service's refusals about the whole plan are shown at its first place
        self.plan_field = "stage_1"

    def stage_fields(self):
        return [self[f"stage_{place}"] for place in range(1, PLACES + 1)]

    def clean(self):
        data = super().clean()
        chosen = [data.get(f"stage_{place}") for place in range(1, PLACES + 1)]
        plan = [role for role in chosen if role]
        if not plan:
            self.add_error("stage_1", _("A plan has at least one stage: to go back to the default, use "
                                        "“Reset to the default”."))
        for place, role in enumerate(chosen, start=1):
            if role and chosen.index(role) != place - 1:
                self.add_error(f"stage_{place}", _("This signer is already stage %(number)s: each signs once.") % {
                    "number": chosen.index(role) + 1})
        data["plan"] = plan
        return data


class PlanResetForm(forms.Form):
    reason = forms.CharField(label=_("Reason of the change"), max_length=200,
                             error_messages={"required": _("Give the reason of the change (a decision of the "
                                                           "school, a letter of the Sở…).")})
