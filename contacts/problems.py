"""Problems found in text that people type or import (availability, CSV, vCard), kept free of
Django like the parsers that raise them: the English message is marked with `gettext_noop`
(so makemessages finds it) and travels with its parameters; Django code shows it translated
with `contacts.exceptions.problem_text`."""


def gettext_noop(message: str) -> str:
    """Mark `message` for translation without translating it (Django's gettext_noop)."""
    return message


class TextProblem(ValueError):
    """`msgid % params` in English as str(); msgid and params for a translated text."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid % params)
        self.msgid = msgid
        self.params = params
