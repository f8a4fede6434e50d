"""The shared helpers primitive (`fastresp._asgi.Helpers`) and the disconnect watch built
on it (`run_until_disconnect`), on asyncio, uvloop and trio."""

import asyncio
from typing import Any

import anyio
import pytest
from stream_support import live_tasks

from fastresp._asgi import Helpers, run_until_disconnect, spec_version

pytestmark = pytest.mark.anyio


def receiver(disconnect: anyio.Event) -> Any:
    first = True

    async def receive() -> dict[str, Any]:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b"", "more_body": False}
        await disconnect.wait()
        return {"type": "http.disconnect"}

    return receive


async def test_job_that_finishes_reports_no_disconnect() -> None:
    ran: list[str] = []

    async def job() -> None:
        await anyio.sleep(0)
        ran.append("done")

    assert await run_until_disconnect(receiver(anyio.Event()), job) is False
    assert ran == ["done"]


async def test_disconnect_cancels_the_job() -> None:
    gone = anyio.Event()
    reached: list[str] = []

    async def job() -> None:
        gone.set()
        try:
            await anyio.sleep_forever()
        finally:
            reached.append("finally")

    with anyio.fail_after(5):
        assert await run_until_disconnect(receiver(gone), job) is True
    assert reached == ["finally"]


async def test_disconnect_respects_shielded_sections() -> None:
    gone = anyio.Event()
    steps: list[str] = []

    async def job() -> None:
        with anyio.CancelScope(shield=True):
            gone.set()
            await anyio.sleep(0.05)  # the disconnect arrives in here
            steps.append("shielded work finished")
        await anyio.sleep_forever()

    with anyio.fail_after(5):
        assert await run_until_disconnect(receiver(gone), job) is True
    assert steps == ["shielded work finished"]


async def test_job_errors_propagate_unwrapped() -> None:
    async def job() -> None:
        await anyio.sleep(0)
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        await run_until_disconnect(receiver(anyio.Event()), job)


async def test_receive_errors_propagate() -> None:
    async def receive() -> dict[str, Any]:
        raise RuntimeError("server broke")

    async def job() -> None:
        await anyio.sleep_forever()

    with anyio.fail_after(5), pytest.raises(RuntimeError, match="server broke"):
        await run_until_disconnect(receive, job)


async def test_outer_cancellation_is_not_swallowed() -> None:
    async def job() -> None:
        await anyio.sleep_forever()

    with anyio.move_on_after(0.05) as outer:
        await run_until_disconnect(receiver(anyio.Event()), job)
        pytest.fail("the outer cancellation was swallowed")
    assert outer.cancelled_caught


async def test_no_watcher_task_outlives_the_call() -> None:
    gone = anyio.Event()

    async def job() -> None:
        await anyio.sleep(0.001)  # the watcher starts

    async def job_then_gone() -> None:
        gone.set()
        await anyio.sleep_forever()

    before = live_tasks()
    for _ in range(20):
        await run_until_disconnect(receiver(anyio.Event()), job)
        assert live_tasks() == before  # at once, not a loop turn later
    assert await run_until_disconnect(receiver(gone), job_then_gone) is True
    assert live_tasks() == before


@pytest.mark.parametrize("task_group", [False, True], ids=["cheap", "task-group"])
async def test_helpers_end_with_the_block(task_group: bool) -> None:
    before = live_tasks()
    ended: list[str] = []

    async def helper(name: str) -> None:
        try:
            await anyio.sleep_forever()
        finally:
            ended.append(name)

    async with Helpers(task_group=task_group) as helpers:
        helpers.start_soon(helper, "a")
        helpers.start_soon(helper, "b")
        await anyio.sleep(0.01)
    assert sorted(ended) == ["a", "b"]
    assert live_tasks() == before
    assert helpers.cancelled is False


@pytest.mark.parametrize("task_group", [False, True], ids=["cheap", "task-group"])
async def test_helper_error_ends_the_block_and_is_raised(task_group: bool) -> None:
    before = live_tasks()
    reached: list[str] = []

    async def fails() -> None:
        await anyio.sleep(0.001)
        raise KeyError("helper")

    with anyio.fail_after(5), pytest.raises(KeyError, match="helper"):
        async with Helpers(task_group=task_group) as helpers:
            helpers.start_soon(fails)
            try:
                await anyio.sleep_forever()
            finally:
                reached.append("block cancelled")
    assert reached == ["block cancelled"]
    assert live_tasks() == before


async def test_helper_and_block_errors_are_raised_together() -> None:
    async def fails() -> None:
        raise KeyError("helper")

    with pytest.raises(BaseExceptionGroup) as caught:
        async with Helpers() as helpers:
            helpers.start_soon(fails)
            try:
                await anyio.sleep_forever()
            finally:
                raise ValueError("block")
    assert sorted(type(e).__name__ for e in caught.value.exceptions) == ["KeyError", "ValueError"]


async def test_cancel_ends_the_block_quietly_and_respects_shields() -> None:
    steps: list[str] = []

    async def stopper(helpers: Helpers) -> None:
        helpers.cancel()

    with anyio.fail_after(5):
        async with Helpers() as helpers:
            with anyio.CancelScope(shield=True):
                helpers.start_soon(stopper, helpers)
                await anyio.sleep(0.02)  # the cancel arrives in here
                steps.append("shielded work finished")
            await anyio.sleep_forever()
    assert steps == ["shielded work finished"]
    assert helpers.cancelled is True


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_block_that_never_waits_starts_no_task() -> None:
    ran: list[bool] = []

    async def helper() -> None:
        ran.append(True)

    before = asyncio.all_tasks()
    async with Helpers() as helpers:
        helpers.start_soon(helper)
        assert asyncio.all_tasks() == before  # PERF: no task yet
    await asyncio.sleep(0.01)
    assert ran == []
    assert asyncio.all_tasks() == before


async def test_outer_cancellation_waits_for_the_helpers() -> None:
    before = live_tasks()

    async def helper() -> None:
        await anyio.sleep_forever()

    with anyio.move_on_after(0.02) as outer:
        async with Helpers() as helpers:
            helpers.start_soon(helper)
            await anyio.sleep_forever()
    assert outer.cancelled_caught
    assert live_tasks() == before


@pytest.mark.parametrize(
    ("scope", "expected"),
    [({}, (2, 0)), ({"asgi": {}}, (2, 0)), ({"asgi": {"spec_version": "2.4"}}, (2, 4))],
)
def test_spec_version(scope: dict[str, Any], expected: tuple[int, ...]) -> None:
    assert spec_version(scope) == expected
