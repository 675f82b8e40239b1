"""
Dynamic batching for a server: inputs of concurrent requests are gathered into model batches,
which run one at a time in a worker thread, off the event loop.
"""

import asyncio
import collections
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, Generic, List, Optional, Sequence, TypeVar, Union

logger = logging.getLogger(__name__)

Input = TypeVar("Input")
Output = TypeVar("Output")


class QueueFull(Exception):
    """The batcher's queue cannot take the inputs of a request now; the client may retry later."""


class TooManyInputs(ValueError):
    """One request has more inputs than the batcher's queue can ever hold."""


@dataclass(frozen=True)
class BatchingSettings:
    """
    How a `DynamicBatcher` forms batches.

    # Parameters

    max_batch_size : `int`, optional (default = `32`)
        The most inputs in one model batch.
    max_wait_ms : `float`, optional (default = `5.0`)
        How long, in milliseconds after its first input arrived, a batch waits for more inputs
        before it runs with fewer than `max_batch_size`. While the model is busy with a batch,
        the next one fills up anyway; the wait only matters when the model is idle.
    max_queue_size : `int`, optional (default = `256`)
        The most inputs waiting for a batch (those of the running batch not counted). A request
        whose inputs do not fit is refused (`QueueFull`).
    """

    max_batch_size: int = 32
    max_wait_ms: float = 5.0
    max_queue_size: int = 256

    def __post_init__(self) -> None:
        for name in ("max_batch_size", "max_queue_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.max_wait_ms < 0:
            raise ValueError(f"max_wait_ms must not be negative, got {self.max_wait_ms}")


@dataclass
class BatchStats:
    """Counts of the batches a `DynamicBatcher` has run (`sizes`: batch size -> how many)."""

    batches: int = 0
    inputs: int = 0
    largest: int = 0
    sizes: Dict[int, int] = field(default_factory=dict)

    def add(self, size: int) -> None:
        self.batches += 1
        self.inputs += size
        self.largest = max(self.largest, size)
        self.sizes[size] = self.sizes.get(size, 0) + 1


@dataclass
class _Waiting(Generic[Input]):
    input: Input
    future: "asyncio.Future[Any]"
    arrival: float


class DynamicBatcher(Generic[Input, Output]):
    """
    Gathers the inputs of concurrent requests into batches for `predict_batch`, which runs one
    batch at a time in a single worker thread, and hands each request its own outputs.

    A batch closes when it holds `settings.max_batch_size` inputs, or `settings.max_wait_ms`
    after its first input arrived, whichever comes first; inputs keep their arrival order.
    `predict_batch(inputs)` returns one result per input, in order: an output, or an `Exception`
    for an input that failed alone. If it raises for a batch, the batch's inputs are predicted
    one at a time, and an input for which it raises alone gets that exception as its result:
    one failing input never fails the others, nor stops the batcher.

    Use from one event loop: `start()`, then `submit(...)` from request handlers, then `stop()`,
    which waits until every submitted input has its result.
    """

    def __init__(
        self,
        predict_batch: Callable[[List[Input]], Sequence[Union[Output, Exception]]],
        settings: BatchingSettings = BatchingSettings(),
    ) -> None:
        self.settings = settings
        self.stats = BatchStats()
        self._predict_batch = predict_batch
        self._queue: Deque[_Waiting[Input]] = collections.deque()
        self._running = 0
        self._arrived: Optional[asyncio.Event] = None
        self._idle: Optional[asyncio.Event] = None
        self._task: Optional["asyncio.Task[None]"] = None
        self._executor: Optional[ThreadPoolExecutor] = None

    @property
    def queued(self) -> int:
        """How many inputs wait for a batch."""
        return len(self._queue)

    @property
    def running(self) -> int:
        """How many inputs the batch now in the model holds (0 when none runs)."""
        return self._running

    def start(self) -> None:
        """Starts the worker thread and the task that forms batches, on the running event loop."""
        self._arrived = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bert_cls-batcher")
        self._task = asyncio.get_running_loop().create_task(self._run_batches())

    async def submit(self, inputs: Sequence[Input]) -> List[Union[Output, Exception]]:
        """
        Queues `inputs` and waits for their results, in order (see the class doc). Raises
        `QueueFull` when the queue has no room for all of them now, `TooManyInputs` when it never
        will, and `RuntimeError` before `start()`.
        """
        if self._task is None or self._arrived is None or self._idle is None:
            raise RuntimeError("DynamicBatcher.submit called before start()")
        if not inputs:
            return []
        limit = self.settings.max_queue_size
        if len(inputs) > limit:
            raise TooManyInputs(
                f"{len(inputs)} inputs in one request are more than the server queues ({limit}); "
                f"send at most {limit} at a time"
            )
        if len(self._queue) + len(inputs) > limit:
            raise QueueFull(
                f"the server's queue is full ({len(self._queue)} of {limit} inputs waiting); "
                f"retry later"
            )
        loop = asyncio.get_running_loop()
        now = loop.time()
        waiting = [_Waiting(one_input, loop.create_future(), now) for one_input in inputs]
        self._queue.extend(waiting)
        self._idle.clear()
        self._arrived.set()
        return list(await asyncio.gather(*(item.future for item in waiting)))

    async def stop(self) -> None:
        """Waits until every submitted input has its result, then stops the worker thread."""
        if self._task is None or self._idle is None or self._executor is None:
            return
        await self._idle.wait()
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._executor.shutdown(wait=True)
        self._task = None

    async def _run_batches(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [item for item in await self._next_batch() if not item.future.done()]
            if not batch:  # every request of it was cancelled
                if not self._queue:
                    self._idle.set()
                continue
            self._running = len(batch)
            self.stats.add(len(batch))
            logger.debug("Running a batch of %d inputs (%d waiting)", len(batch), self.queued)
            inputs = [item.input for item in batch]
            results = await loop.run_in_executor(self._executor, self._predict_each, inputs)
            for item, result in zip(batch, results):
                if not item.future.done():  # done: its request was cancelled meanwhile
                    item.future.set_result(result)
            self._running = 0
            if not self._queue:
                self._idle.set()

    def _predict_each(self, inputs: List[Input]) -> List[Union[Output, Exception]]:
        """
        `predict_batch(inputs)`, checked to give one result per input; if it raises, each input
        is predicted alone, so that only an input that fails alone gets an exception.
        """
        try:
            results = list(self._predict_batch(inputs))
            if len(results) != len(inputs):
                raise RuntimeError(
                    f"predict_batch returned {len(results)} results for {len(inputs)} inputs"
                )
            return results
        except Exception as error:
            if len(inputs) == 1:
                return [error]
            logger.warning(
                "A batch of %d inputs failed (%s: %s); predicting them one at a time.",
                len(inputs),
                type(error).__name__,
                error,
            )
            return [result for one in inputs for result in self._predict_each([one])]

    async def _next_batch(self) -> List[_Waiting[Input]]:
        assert self._arrived is not None
        while not self._queue:
            self._arrived.clear()
            await self._arrived.wait()
        loop = asyncio.get_running_loop()
        deadline = self._queue[0].arrival + self.settings.max_wait_ms / 1000
        while len(self._queue) < self.settings.max_batch_size:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                break
        size = min(len(self._queue), self.settings.max_batch_size)
        return [self._queue.popleft() for _ in range(size)]
