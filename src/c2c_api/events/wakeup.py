"""Wake the outbox workers of other processes when a commit here wrote events or timers.

A worker in this process is woken by the commit itself (events.service.wake_after_commit). A
worker in another process (`c2c-api worker` beside API processes, the production layout) would
otherwise see the events only at its next poll (`C2C_WORKER_POLL_INTERVAL`, 1 s): a chat
message or an order update reaching its subscribers a second late. So, when the broker is
shared between processes (Redis):

    RemoteWake       in an API process without a worker: a commit that wrote events publishes
                     one message on `outbox.wake` (coalesced: one publish in flight at a time,
                     plus one more if commits arrived meanwhile, so none is missed)
    listen_for_wakes in a worker's process: each message on `outbox.wake` wakes the worker

The wake-up is a hint: a lost one delays delivery until the next poll, it loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from c2c_api.broker import Broker
from c2c_api.events.service import Waker, register_waker, unregister_waker

log = logging.getLogger(__name__)

WAKE_CHANNEL = "outbox.wake"


class RemoteWake:
    """Publishes a wake-up on the broker after each commit that wrote events (coalesced)."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self._waker = Waker(self._committed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        register_waker(self._waker)

    async def stop(self) -> None:
        unregister_waker(self._waker)
        task, self._task = self._task, None
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    def _committed(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._publish_soon)

    def _publish_soon(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True  # the publish in flight may precede this commit: one more
            return
        self._task = asyncio.get_running_loop().create_task(self._publish(), name="c2c-wake")

    async def _publish(self) -> None:
        while True:
            self._again = False
            try:
                await self.broker.publish(WAKE_CHANNEL, {})
            except Exception as exc:  # a hint only: the workers' poll still delivers
                log.warning("could not publish an outbox wake-up: %s", exc)
            if not self._again:
                return


async def listen_for_wakes(broker: Broker, wake: Callable[[], None]) -> None:
    """Wake the worker at each wake-up published by another process (until cancelled)."""
    while True:
        try:
            async with broker.subscribe(WAKE_CHANNEL) as messages:
                async for _ in messages:
                    wake()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("outbox wake-up listener: %s; retrying", exc)
            await asyncio.sleep(1.0)
