import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import gc
from celery.signals import worker_process_init
import crisiscenter.celery as c
before = gc.get_threshold()[0], gc.get_freeze_count()
worker_process_init.send(sender=None)
print(before[0], before[1], gc.get_threshold()[0], gc.get_freeze_count() > 0, c.GC_YOUNG_THRESHOLD)
"""


def test_worker_process_start_freezes_what_is_loaded_and_raises_the_young_threshold():
    # In a fresh interpreter: the signal a prefork child sends when it starts.
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    default, frozen_before, threshold, frozen_after, configured = out
    assert frozen_before == "0"
    assert default != configured  # the signal changed it
    assert threshold == configured == "20000"
    assert frozen_after == "True"
