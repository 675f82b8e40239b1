import asyncio
import threading
import time
from typing import List, Union

import pytest

from bert_cls.serving.batcher import BatchingSettings, DynamicBatcher, QueueFull, TooManyInputs


class Recorder:
    """A `predict_batch` that doubles numbers, fails on negative ones, and records its calls."""

    def __init__(self, delay: float = 0.0) -> None:
        self.batches: List[List[int]] = []
        self.threads: List[int] = []
        self.delay = delay

    def __call__(self, inputs: List[int]) -> List[Union[int, Exception]]:
        self.batches.append(list(inputs))
        self.threads.append(threading.get_ident())
        time.sleep(self.delay)
        return [ValueError(f"negative: {x}") if x < 0 else 2 * x for x in inputs]


def run(coroutine):
    return asyncio.run(coroutine)


async def with_batcher(predict_batch, settings, body):
    batcher = DynamicBatcher(predict_batch, settings)
    batcher.start()
    try:
        return await body(batcher)
    finally:
        await batcher.stop()


def test_concurrent_submissions_form_batches_and_each_gets_its_own_results():
    recorder = Recorder()

    async def body(batcher):
        return await asyncio.gather(*(batcher.submit([i]) for i in range(10)))

    settings = BatchingSettings(max_batch_size=4, max_wait_ms=50)
    results = run(with_batcher(recorder, settings, body))
    assert results == [[2 * i] for i in range(10)]
    assert recorder.batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_a_batch_runs_after_max_wait_with_what_came():
    recorder = Recorder()

    async def body(batcher):
        started = time.monotonic()
        result = await batcher.submit([1, 2])
        return result, time.monotonic() - started

    (result, waited) = run(with_batcher(recorder, BatchingSettings(8, max_wait_ms=100), body))
    assert result == [2, 4]
    assert recorder.batches == [[1, 2]]
    assert 0.09 <= waited < 2


def test_predictions_run_in_one_worker_thread_off_the_event_loop():
    recorder = Recorder()

    async def body(batcher):
        await asyncio.gather(*(batcher.submit([i]) for i in range(6)))
        return threading.get_ident()

    loop_thread = run(with_batcher(recorder, BatchingSettings(2, max_wait_ms=0), body))
    assert len(set(recorder.threads)) == 1
    assert loop_thread not in recorder.threads


def test_the_event_loop_goes_on_while_a_batch_runs():
    recorder = Recorder(delay=0.3)
    ticks = []

    async def body(batcher):
        async def tick():
            for _ in range(5):
                ticks.append(time.monotonic())
                await asyncio.sleep(0.02)

        await asyncio.gather(batcher.submit([1]), tick())

    run(with_batcher(recorder, BatchingSettings(max_wait_ms=0), body))
    assert ticks[-1] - ticks[0] < 0.25


def test_an_exception_result_goes_only_to_its_input():
    async def body(batcher):
        return await asyncio.gather(batcher.submit([1, -2]), batcher.submit([3]))

    [first, second] = run(with_batcher(Recorder(), BatchingSettings(max_wait_ms=20), body))
    assert first[0] == 2 and second == [6]
    assert isinstance(first[1], ValueError) and str(first[1]) == "negative: -2"


def test_a_batch_that_raises_is_predicted_one_input_at_a_time():
    calls = []

    def predict_batch(inputs):
        calls.append(list(inputs))
        if 13 in inputs:
            raise RuntimeError("unlucky")
        return [x + 1 for x in inputs]

    async def body(batcher):
        results = await asyncio.gather(*(batcher.submit([x]) for x in [1, 13, 2]))
        return results, await batcher.submit([5])

    results, after = run(with_batcher(predict_batch, BatchingSettings(max_wait_ms=20), body))
    assert results[0] == [2] and results[2] == [3] and after == [6]
    assert isinstance(results[1][0], RuntimeError) and str(results[1][0]) == "unlucky"
    assert calls == [[1, 13, 2], [1], [13], [2], [5]]


def test_a_wrong_number_of_results_is_an_error_not_a_mix_up():
    async def body(batcher):
        return await batcher.submit([1])

    [result] = run(with_batcher(lambda inputs: [], BatchingSettings(), body))
    assert isinstance(result, RuntimeError)
    assert str(result) == "predict_batch returned 0 results for 1 inputs"


def test_a_full_queue_refuses_and_a_later_submission_is_taken():
    recorder = Recorder(delay=0.3)

    async def body(batcher):
        running = asyncio.ensure_future(batcher.submit([1]))
        while batcher.running == 0:
            await asyncio.sleep(0.01)
        waiting = asyncio.ensure_future(batcher.submit([2, 3]))
        await asyncio.sleep(0)
        assert batcher.queued == 2
        with pytest.raises(QueueFull, match=r"queue is full \(2 of 3 inputs waiting\)"):
            await batcher.submit([4, 5])
        assert await batcher.submit([6]) == [12]
        return await running, await waiting

    settings = BatchingSettings(max_batch_size=8, max_wait_ms=0, max_queue_size=3)
    assert run(with_batcher(recorder, settings, body)) == ([2], [4, 6])


def test_more_inputs_than_the_queue_holds_are_refused_at_once():
    async def body(batcher):
        with pytest.raises(TooManyInputs, match=r"4 inputs in one request are more than"):
            await batcher.submit([1, 2, 3, 4])
        return await batcher.submit([])

    assert run(with_batcher(Recorder(), BatchingSettings(max_queue_size=3), body)) == []


def test_stop_waits_for_every_submitted_input():
    recorder = Recorder(delay=0.1)

    async def main():
        batcher = DynamicBatcher(recorder, BatchingSettings(max_batch_size=2, max_wait_ms=0))
        batcher.start()
        futures = [asyncio.ensure_future(batcher.submit([i])) for i in range(5)]
        await asyncio.sleep(0)
        await batcher.stop()
        return [future.done() and future.result() for future in futures]

    assert run(main()) == [[0], [2], [4], [6], [8]]


def test_submit_before_start_is_an_error():
    batcher = DynamicBatcher(Recorder())
    with pytest.raises(RuntimeError, match="before start"):
        run(batcher.submit([1]))


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"max_batch_size": 0}, "max_batch_size must be at least 1, got 0"),
        ({"max_queue_size": 0}, "max_queue_size must be at least 1, got 0"),
        ({"max_wait_ms": -1}, "max_wait_ms must not be negative, got -1"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        BatchingSettings(**settings)
