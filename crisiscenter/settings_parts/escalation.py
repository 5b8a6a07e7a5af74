"""E-mail and escalation channels (README "Escalation"). Secrets only from the environment.

Mail: https://docs.djangoproject.com/en/5.2/topics/email/#smtp-backend
"""

import environ

env = environ.Env()

EMAIL_HOST = env("EMAIL_HOST", default="")
# No EMAIL_HOST (embedded `make run`): print mails to the console instead of failing.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="crisiscenter@localhost")

# SMS gateway: JSON POST {"to": "+31…", "body": "…"} with "Authorization: Bearer <token>".
ESCALATION_SMS_URL = env("ESCALATION_SMS_URL", default="")
ESCALATION_SMS_TOKEN = env("ESCALATION_SMS_TOKEN", default="")
# Seconds for every SMTP/HTTP call of a channel.
ESCALATION_HTTP_TIMEOUT = env.float("ESCALATION_HTTP_TIMEOUT", default=10.0)
# Absolute base of acknowledge links in messages, e.g. https://crisis.example.org
ESCALATION_BASE_URL = env("ESCALATION_BASE_URL", default="http://127.0.0.1:8000")
# Acknowledge links expire after this many seconds (24 h).
ESCALATION_ACK_MAX_AGE = env.int("ESCALATION_ACK_MAX_AGE", default=86400)
# Failed deliveries: attempts in all, and the first backoff (doubles each time).
ESCALATION_MAX_ATTEMPTS = env.int("ESCALATION_MAX_ATTEMPTS", default=5)
ESCALATION_RETRY_BACKOFF = env.float("ESCALATION_RETRY_BACKOFF", default=15.0)
# Slack/Teams webhook URLs come from admins: by default only https to public addresses is
# sent to (SSRF guard). True allows http and private/loopback addresses (tests, private nets).
ESCALATION_ALLOW_PRIVATE_WEBHOOKS = env.bool("ESCALATION_ALLOW_PRIVATE_WEBHOOKS", default=False)
