"""Keep the role groups and their model permissions as roles.PERMISSIONS says, after every migrate."""

from django.contrib.auth.models import Group, Permission

from . import roles


def sync_roles(**kwargs) -> None:
    using = kwargs.get("using", "default")
    for name, perms in roles.PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            found = Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename).first()
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)
