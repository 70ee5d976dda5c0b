"""Inspectors' access (issue 18, item 6): the principal shares chosen archived records for a set period through a
link; every use is logged on the share's page; the share stops by itself. Models: archive.models.InspectionShare
and ShareAccess."""
