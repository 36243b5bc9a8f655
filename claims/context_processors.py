from claims import permissions


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "is_handler": permissions.is_handler(user),
        "is_supervisor": permissions.is_supervisor(user),
        "is_admin_user": permissions.is_admin(user) or user.is_staff,
    }
