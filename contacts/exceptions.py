from crisiscenter.exceptions import CrisisCenterError, NotFound


class ContactInvalid(CrisisCenterError):
    pass


class ContactNotFound(NotFound):
    pass


class ContactImportInvalid(CrisisCenterError):
    pass
