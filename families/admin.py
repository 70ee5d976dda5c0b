"""The families' models in the admin: read-only, as their changes go through the services."""

from django.contrib import admin

from schoolrecords.admin import ReadOnlyHistoryAdmin

from .models import FamilySettings, Guardianship, Invitation, Parent, Publication

for model in (Parent, Guardianship, Invitation, Publication, FamilySettings):
    admin.site.register(model, ReadOnlyHistoryAdmin)
