"""Logging: event-style messages (`<app>.<unit>.<what>`) with structured extras to stdout."""

import environ

env = environ.Env()

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
# Libraries whose DEBUG lines carry what must not reach a log, whatever LOG_LEVEL says:
# tweepy's each request's headers (the bearer token), urllib3's each request line (a private
# feed's token in its query), prawcore's each request's data and params. At INFO at least; as
# quiet as the rest when LOG_LEVEL is higher (a logger's own level is all that counts).
_QUIET_LIBRARIES_LEVEL = "INFO" if LOG_LEVEL.upper() in ("DEBUG", "INFO") else LOG_LEVEL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        **{
            name: {"level": _QUIET_LIBRARIES_LEVEL}
            for name in ("tweepy", "urllib3", "prawcore", "praw")
        },
    },
}
