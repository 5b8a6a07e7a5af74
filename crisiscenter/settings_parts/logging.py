"""Logging: event-style messages (`<app>.<unit>.<what>`) with structured extras to stdout."""

import environ

env = environ.Env()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Their DEBUG lines carry what must not reach a log, whatever LOG_LEVEL says: tweepy's
        # each request's headers (the bearer token), urllib3's each request line (a private
        # feed's token in its query), prawcore's each request's data and params.
        **{name: {"level": "INFO"} for name in ("tweepy", "urllib3", "prawcore", "praw")},
    },
}
