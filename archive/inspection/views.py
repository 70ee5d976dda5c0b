"""The principal's pages of inspectors' access: the list with a new share, a share with its log and history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from schoolrecords.forms import apply_service_errors
from schoolrecords.permissions import user_school

from .. import selectors as archive_selectors
from . import policy, selectors, services
from .forms import RevokeShareForm, ShareForm

PAGE_SIZE = 50
LINK_KEY = "archive-inspection-new-link"  # the session's one-time copy of a new share's link


@login_required
@require_http_methods(["GET", "POST"])
def shares(request):
    """Every share of the school (live, coming, expired, revoked) and the form of a new one."""
    policy.require_share(request.user)
    year_id = request.GET.get("year") or request.POST.get("year")
    year = archive_selectors.year_for(actor=request.user, pk=int(year_id) if year_id and year_id.isdecimal()
                                      else None)
    form = ShareForm(request.POST if request.method == "POST" else None, year=year)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            share, token = services.share_create(
                actor=request.user, year=year, scope=data["scope"], school_class=data["school_class"],
                period_from=data["period_from"], period_until=data["period_until"],
                inspector_name=data["inspector_name"], organisation=data["organisation"], email=data["email"],
                starts_on=data["starts_on"], ends_on=data["ends_on"], purpose=data["purpose"],
                link_base=request.build_absolute_uri(reverse("inspect:home", args=["-"]))[:-2])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            # The link is shown once, on the next page (post/redirect/get): only its token's hash is kept.
            request.session[LINK_KEY] = {"share": share.pk,
                                         "link": request.build_absolute_uri(reverse("inspect:home", args=[token]))}
            return redirect("archive:share", pk=share.pk)
    school = user_school(request.user)
    page = Paginator(selectors.shares(actor=request.user, school=school), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    page.object_list = list(page.object_list)
    for each in page.object_list:
        each.state = each.state_on(today)
    return render(request, "archive/inspection/shares.html", {
        "form": form, "year": year, "page": page}, status=400 if form.is_bound and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def share(request, pk: int):
    """One share: what it opens, its state, every use (who, what, when), its history; revoke it early."""
    found = selectors.share_for(actor=request.user, pk=pk)
    new = request.session.get(LINK_KEY)
    if request.method == "GET" and new and new.get("share") == found.pk:
        del request.session[LINK_KEY]  # shown this once, then dropped
        response = render(request, "archive/inspection/created.html", {"share": found, "link": new["link"]})
        patch_cache_control(response, private=True, no_store=True)
        return response
    form = RevokeShareForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.share_revoke(actor=request.user, share=found, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The access of %(name)s is revoked: the link no longer opens anything.")
                             % {"name": found.inspector_name})
            return redirect("archive:share", pk=found.pk)
    return render(request, "archive/inspection/share.html", {
        "share": found, "state": found.state_on(timezone.localdate()), "form": form,
        "accesses": selectors.accesses(found), "documents": selectors.documents(found).count(),
        "history": found.history.select_related("history_user").order_by("-history_date")},
        status=400 if form.is_bound and form.errors else 200)
