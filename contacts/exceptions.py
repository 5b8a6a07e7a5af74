from django.utils.translation import gettext

from contacts.problems import TextProblem
from crisiscenter.exceptions import Conflict, CrisisCenterError, NotFound


class ContactInvalid(CrisisCenterError):
    pass


class ContactNotFound(NotFound):
    pass


class ContactImportInvalid(CrisisCenterError):
    pass


class ContactInUse(Conflict):
    pass


def problem_text(problem: TextProblem) -> str:
    """A parser's problem (availability, CSV, vCard) in the active language."""
    return gettext(problem.msgid) % problem.params
