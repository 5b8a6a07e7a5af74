# CrisisCenter image: one image for web, worker, beat and migrate (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so code changes reuse this layer. All pins ship manylinux wheels
# (psycopg[binary], uvloop, httptools): no compiler or libpq needed.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image and served by WhiteNoise. Settings need a
# SECRET_KEY with DEBUG off; this dummy one exists only in this build step.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput

# Code and static files stay root-owned and read-only for the app user; beat writes its
# schedule to /tmp.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin crisiscenter
USER crisiscenter

EXPOSE 8000

# docker-compose.yml sets the command per service; this default is the web server.
CMD ["python", "-m", "uvicorn", "crisiscenter.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--lifespan", "on", "--ws-max-size", "65536"]
