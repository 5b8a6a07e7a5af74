"""Libraries whose DEBUG lines carry secrets (tweepy's request headers, urllib3's request lines)
stay at INFO when the rest logs at DEBUG, and are as quiet as the rest above INFO."""

import importlib

import pytest

from crisiscenter.settings_parts import logging as logging_settings

LIBRARIES = ("tweepy", "urllib3", "prawcore", "praw")


@pytest.mark.parametrize(
    ("log_level", "libraries"),
    [("DEBUG", "INFO"), ("INFO", "INFO"), ("WARNING", "WARNING"), ("ERROR", "ERROR")],
)
def test_the_libraries_log_at_info_at_most(monkeypatch, log_level, libraries):
    monkeypatch.setenv("LOG_LEVEL", log_level)
    try:
        config = importlib.reload(logging_settings).LOGGING
        assert config["root"]["level"] == log_level
        assert {config["loggers"][name]["level"] for name in LIBRARIES} == {libraries}
    finally:
        monkeypatch.undo()  # LOG_LEVEL as it was, and the module read with it
        importlib.reload(logging_settings)
