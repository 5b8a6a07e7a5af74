import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_component_ok(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body == {"status": "ok", "database": "ok", "channel_layer": "ok", "broker": "ok"}


def test_healthz_reports_503_when_broker_is_down(client, settings):
    from crisiscenter.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"
