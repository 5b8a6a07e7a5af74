"""Celery settings. Docs: https://docs.celeryq.dev/en/stable/userguide/configuration.html"""

import environ

env = environ.Env()
_REDIS_URL = env("REDIS_URL", default="")

# No REDIS_URL: embedded mode, tasks run in-process (same task functions, no transport).
CELERY_BROKER_URL = _REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not _REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
# Nobody reads task results; storing them costs a Redis write per task.
CELERY_TASK_IGNORE_RESULT = True
# JSON only: tasks take ids and ISO strings, never pickled objects.
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Acknowledge after the task ran, so a worker crash mid-poll redelivers the message
# (ingest is idempotent). https://docs.celeryq.dev/en/stable/faq.html#faq-acks-late-vs-retry
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per process: with acks_late a prefetched message would wait behind a
# long poll and be redelivered if the worker dies.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 50
CELERY_TASK_TIME_LIMIT = 60
# Redis redelivers unacked messages after this long; every countdown/eta stays well below it.
# https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#visibility-timeout
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fix-up closes the DB connection around every task unless this is set: about
# 5 ms of reconnect per task, 10-28 % of ingest throughput. Reuse a connection for 100 tasks.
CELERY_DB_REUSE_MAX = 100
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
