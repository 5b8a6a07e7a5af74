from crisiscenter.exceptions import Conflict, CrisisCenterError, NotFound


class PlaybookInvalid(CrisisCenterError):
    pass


class PlaybookExists(Conflict):
    pass


class PlaybookNotFound(NotFound):
    pass
