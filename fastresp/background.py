"""Background tasks run after a response is sent (Starlette's API, no Starlette import)."""

import functools
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ParamSpec, Protocol

import anyio.to_thread

__all__ = ["Background", "BackgroundTask", "BackgroundTasks"]

P = ParamSpec("P")


class Background(Protocol):
    """Anything awaitable with no arguments: ours, Starlette's, or hand-written."""

    def __call__(self) -> Awaitable[None]: ...


def _is_async_callable(func: Any) -> bool:
    while isinstance(func, functools.partial):
        func = func.func
    return inspect.iscoroutinefunction(func) or (
        callable(func) and inspect.iscoroutinefunction(type(func).__call__)
    )


class BackgroundTask:
    """Call `func(*args, **kwargs)` after the response; sync functions run in a worker thread."""

    def __init__(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = _is_async_callable(func)

    async def __call__(self) -> None:
        if self.is_async:
            await self.func(*self.args, **self.kwargs)
        else:
            await anyio.to_thread.run_sync(functools.partial(self.func, *self.args, **self.kwargs))


class BackgroundTasks(BackgroundTask):
    """Several tasks, run one after another in the order they were added."""

    def __init__(self, tasks: Sequence[Background] | None = None) -> None:
        self.tasks: list[Background] = list(tasks) if tasks else []

    def add_task(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def __call__(self) -> None:
        for task in self.tasks:
            await task()
