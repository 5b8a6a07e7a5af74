"""Source credentials, encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

The key comes from CREDENTIALS_KEY (a Fernet key) or, if unset, is derived from SECRET_KEY.
Rotating SECRET_KEY without CREDENTIALS_KEY makes stored credentials unreadable: decrypting
them raises CredentialsUnreadable, a PlatformAuthError, so a poll records "credentials
unreadable … re-enter them" as the source's error instead of polling without them.
"""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from monitoring.platforms.base import PlatformAuthError


class CredentialsUnreadable(PlatformAuthError):
    """Stored credentials that the current key cannot decrypt (the key changed)."""


def _fernet() -> Fernet:
    key = getattr(settings, "CREDENTIALS_KEY", "")
    if not key:
        digest = hashlib.sha256(("crisiscenter.credentials:" + settings.SECRET_KEY).encode())
        key = base64.urlsafe_b64encode(digest.digest()).decode()
    return Fernet(key)


def credentials_encrypt(values: dict[str, str]) -> str:
    """Ciphertext for a dict of secret strings (empty dict → empty string)."""
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(values).encode()).decode()


def credentials_decrypt(token: str) -> dict[str, str]:
    """The dict back ({} if empty); raises CredentialsUnreadable if the key changed."""
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError) as exc:
        raise CredentialsUnreadable(
            "credentials unreadable (the encryption key changed): re-enter them"
        ) from exc
