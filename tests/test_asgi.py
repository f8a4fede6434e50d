"""The shared disconnect watch (`fastresp._asgi.run_until_disconnect`)."""

import asyncio
from typing import Any

import anyio
import pytest

from fastresp._asgi import run_until_disconnect, spec_version

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


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_no_watcher_task_outlives_the_call() -> None:
    async def job() -> None:
        await asyncio.sleep(0)

    before = asyncio.all_tasks()
    for _ in range(50):
        await run_until_disconnect(receiver(anyio.Event()), job)
    await asyncio.sleep(0)  # let the cancelled watchers finish
    assert asyncio.all_tasks() == before


@pytest.mark.parametrize(
    ("scope", "expected"),
    [({}, (2, 0)), ({"asgi": {}}, (2, 0)), ({"asgi": {"spec_version": "2.4"}}, (2, 4))],
)
def test_spec_version(scope: dict[str, Any], expected: tuple[int, ...]) -> None:
    assert spec_version(scope) == expected
