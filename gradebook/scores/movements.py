"""What the score book does when a student moves (schoolrecords' movement signals, inside its transaction).

- A place cannot end before a score the student got in it: the date is refused at its field.
- A class change carries the scores of the term in progress, and of any later term, to the new
  place (history-aware, with the board's reason), so the new class's grid shows what the student
  already has this term and its teachers go on from there. Terms already over stay with the old
  class: their results were computed, perhaps approved, there, and its ledger keeps them. Scores of
  a subject the new class does not study stay behind too.
"""

from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from gradebook.models import Score
from schoolrecords.selectors import studied_ids
from schoolrecords.signals import enrolment_continued, enrolment_ending


@receiver(enrolment_ending, dispatch_uid="gradebook.scores.refuse_end_before_last_score")
def refuse_end_before_last_score(sender, *, enrolment, on, **kwargs):
    last = (Score.objects.filter(enrolment=enrolment)
            .filter(Q(value__isnull=False) | Q(comment_passed__isnull=False))
            .aggregate(last=Max("entered_at"))["last"])
    if last is not None and timezone.localdate(last) > on:
        raise ValidationError({"date": _(
            "%(name)s has a score recorded on %(date)s: the date cannot be before the last recorded score."
        ) % {"name": enrolment.student.full_name, "date": formats.date_format(timezone.localdate(last), "d/m/Y")}})


@receiver(enrolment_continued, dispatch_uid="gradebook.scores.carry_scores_to_new_class")
def carry_scores_to_new_class(sender, *, previous, enrolment, on, actor, reason, **kwargs):
    studied = studied_ids(enrolment.school_class)
    moving = list(Score.objects.select_for_update().filter(
        enrolment=previous, term__end_date__gte=on, subject_id__in=studied))
    if not moving:
        return
    now = timezone.now()
    for score in moving:
        score.enrolment_id, score.updated_at, score.updated_by = enrolment.pk, now, actor
    bulk_update_with_history(moving, Score, fields=["enrolment", "updated_at", "updated_by"], default_user=actor,
                             default_change_reason=reason or _("Class change"))
