"""The numbering of correction minutes (biên bản sửa dữ liệu): one sequence per school year for every kind."""

from django.db.models import Max

from gradebook.models import CorrectionRequest, HomeroomCorrection
from schoolrecords import models as sm


def next_minutes_number(year_id: int) -> int:
    """The number of the school year's next correction minutes: 1, 2, … with no gap and no duplicate.

    Score corrections and homeroom corrections share the sequence (one register of minutes). The
    year's row stays locked until the caller's transaction ends, so two approvals at once take two
    numbers, one after the other (on SQLite the database's single writer does the same).
    """
    sm.SchoolYear.objects.select_for_update().filter(pk=year_id).exists()
    last = max(
        CorrectionRequest.objects.filter(school_class__year_id=year_id).aggregate(last=Max("minutes_number"))["last"]
        or 0,
        HomeroomCorrection.objects.filter(school_class__year_id=year_id).aggregate(last=Max("minutes_number"))["last"]
        or 0,
    )
    return last + 1
