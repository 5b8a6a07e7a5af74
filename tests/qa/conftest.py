"""QA fixtures: the incident crew (one member per role, an incident from a playbook)."""

from tests.incidents.conftest import crew  # noqa: F401
