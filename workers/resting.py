"""An arq worker that rests when idle instead of polling Redis every few milliseconds.

arq polls its queue on a fixed delay: 10 ms keeps jobs moving fast but costs a busy loop
when nothing happens, and while a long job runs (a cron sweep, a rebuild), whose id arq reads
back from the queue on every poll. This worker polls at `poll_delay` while jobs are coming or
all its slots are taken, and after a poll that started nothing waits, doubling up to
`idle_poll_seconds`, unless a relay wakes it as soon as it has enqueued work.
"""

import asyncio
import contextlib

from arq import Worker

from workers import wake


class RestingWorker(Worker):
    def __init__(self, *args, idle_poll_seconds: float = 0.5, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.idle_poll_seconds = idle_poll_seconds
        self._rest = self.poll_delay_s
        self._started = 0
        self._woken = asyncio.Event()

    async def main(self) -> None:
        wake.register(self._woken)
        try:
            await super().main()
        finally:
            wake.unregister(self._woken)

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        # A running job's id stays in the queue until it ends and comes back on every read: only the
        # jobs this call started are new work (tasks are dropped in _poll_iteration, after this).
        before = len(self.tasks)
        await super().start_jobs(job_ids)
        self._started = len(self.tasks) - before

    async def _poll_iteration(self) -> None:
        self._started = 0
        await super()._poll_iteration()
        # Full: slots free as jobs end, and the queue may hold more, so look again soon.
        if self.burst or self._started or self.job_counter >= self.max_jobs:
            self._rest = self.poll_delay_s
            return
        # Nothing new: wait longer each time, but wake at once when the relay hands out jobs.
        # (arq's own loop then adds no delay of its own: the wait counts against poll_delay.)
        self._rest = min(self.idle_poll_seconds, self._rest * 2)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._woken.wait(), self._rest)
        self._woken.clear()
