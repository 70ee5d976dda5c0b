"""Django admin for scores: read-only, with their history; every change goes through the gradebook's services."""

from django.contrib import admin

from schoolrecords.admin import ReadOnlyHistoryAdmin

from .models import (
    ConductResult,
    DailyAbsence,
    Exemption,
    IndividualPlan,
    IndividualPlanSubject,
    MonthlyAbsence,
    RemarkPhrase,
    ResultApproval,
    RetestResult,
    RollCallDay,
    Score,
    StudentRemark,
    SubjectRemark,
    SummerReassessment,
)


@admin.register(Score)
class ScoreAdmin(ReadOnlyHistoryAdmin):
    list_display = ["enrolment", "subject", "term", "kind", "index", "value", "comment_passed", "status", "version",
                    "updated_at", "updated_by"]
    list_filter = ["term__year", "term", "subject", "kind", "status"]
    list_select_related = ["enrolment__student", "enrolment__school_class", "subject", "term__year", "updated_by"]
    search_fields = ["enrolment__student__full_name", "enrolment__student__code"]
    raw_id_fields = ["enrolment", "updated_by"]


for model in (ConductResult, MonthlyAbsence, StudentRemark, Exemption, RetestResult, SummerReassessment,
              ResultApproval, RollCallDay, DailyAbsence):
    admin.site.register(model, ReadOnlyHistoryAdmin)

for model in (SubjectRemark, RemarkPhrase, IndividualPlan, IndividualPlanSubject):
    admin.site.register(model, ReadOnlyHistoryAdmin)
