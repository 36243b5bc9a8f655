from claims import permissions


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "is_handler": permissions.is_handler(user),
        "is_supervisor": permissions.is_supervisor(user),
        "is_admin_user": permissions.is_admin(user) or user.is_staff,
        # the 振込 menu (payments): from the groups already read, no permission queries
        "is_payer": "payer" in permissions.groups_of(user) or user.is_superuser,
    }
