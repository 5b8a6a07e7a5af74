"""The login form: Django's, with the re-authentication lockout (statements.services.reauth).
Here and not in workspaces because the lockout lives in statements (workspaces is upstream)."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from statements.exceptions import StatementReauthLocked
from statements.services.reauth import login_authenticate


class LockoutAuthenticationForm(AuthenticationForm):
    """Wrong passwords at login count against the same limit as re-authentication, so a
    hijacked session cannot guess the password here instead. A wrong username and a wrong
    password read alike; only a locked-out account says "too many"."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Your username and password didn't match. Please try again."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = login_authenticate(
                    request=self.request, username=username, password=password
                )
            except StatementReauthLocked as exc:
                raise forms.ValidationError(exc.message, code="locked") from exc
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
