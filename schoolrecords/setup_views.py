"""The admin board's yearly set-up: years and terms, subjects and periods, classes, staff, assignments."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .permissions import require, user_school
from . import selectors

SETUP = "schoolrecords.manage_school_setup"


@login_required
def index(request):
    require(request.user, SETUP)
    school = user_school(request.user)
    year = selectors.current_year(school)
    return render(request, "schoolrecords/setup/index.html", {
        "school": school, "year": year, "years": selectors.years_of(school) if school else [],
        "gaps": selectors.setup_gaps(year) if year else None,
    })
