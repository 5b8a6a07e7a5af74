"""The in-process scheduler of embedded mode (`make run`) runs each schedule entry on its own:
a slow one (a poll waiting for a platform's timeout) must not hold back the others (the
escalation tick). Real Celery tasks, run as the scheduler runs ours (`Task.apply`)."""

import asyncio
import time

from crisiscenter import embedded
from crisiscenter.celery import app

ran: list[str] = []


@app.task(name="tests.embedded_beat.slow")
def _slow() -> None:
    ran.append("slow started")
    time.sleep(2.5)
    ran.append("slow ended")


@app.task(name="tests.embedded_beat.quick")
def _quick() -> None:
    ran.append("quick")


@app.task(name="tests.embedded_beat.failing")
def _failing() -> None:
    ran.append("failing")
    raise RuntimeError("a task that fails")


def test_a_slow_entry_does_not_hold_back_the_others_and_a_failing_one_runs_again():
    ran.clear()
    entries = {
        "slow": {"task": "tests.embedded_beat.slow", "schedule": 0.5},
        "failing": {"task": "tests.embedded_beat.failing", "schedule": 0.5},
        "quick": {"task": "tests.embedded_beat.quick", "schedule": 0.5},
    }

    async def for_two_seconds() -> None:
        beat = asyncio.ensure_future(embedded._beat(entries))
        await asyncio.sleep(2.0)
        beat.cancel()

    asyncio.run(for_two_seconds())
    before_slow_ended = ran[: ran.index("slow ended")] if "slow ended" in ran else ran
    assert before_slow_ended.count("quick") >= 2
    assert before_slow_ended.count("failing") >= 2
    # Due again while it still ran: it waited for its run to end instead of starting another.
    assert ran.count("slow started") == 1
