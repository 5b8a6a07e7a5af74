from crisiscenter.exceptions import CrisisCenterError, NotFound


class SourceNotFound(NotFound):
    pass


class MentionFilterInvalid(CrisisCenterError):
    pass
