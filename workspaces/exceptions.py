from crisiscenter.exceptions import Conflict, NotFound, PermissionDenied


class WorkspaceNotFound(NotFound):
    pass


class WorkspaceRoleRequired(PermissionDenied):
    pass


class WorkspaceSlugTaken(Conflict):
    pass
