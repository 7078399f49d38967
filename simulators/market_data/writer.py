"""A background writer: takes items without blocking the feed, writes them in batches from one thread.

The queue is bounded: when it is full (the store is slower than the feed, or down) new items are
dropped and counted instead of growing memory; a batch whose write fails is dropped and counted too.
"""
from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger("market-data.writer")


class BatchWriter:
    def __init__(self, name: str, write: Callable[[list], None], *, max_queue: int = 10_000, max_batch: int = 500,
                 on_drop: Callable[[int], None] = lambda n: None):
        self.name = name
        self.written = 0
        self.dropped = 0
        self._write = write
        self._queue: queue.Queue = queue.Queue(max_queue)
        self._max_batch = max_batch
        self._on_drop = on_drop
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"writer-{name}", daemon=True)
        self._warned = False

    def offer(self, item) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self._drop(1)

    def _drop(self, count: int) -> None:
        self.dropped += count
        self._on_drop(count)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                batch = [self._queue.get(timeout=0.1)]
            except queue.Empty:
                continue
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
                self.written += len(batch)
                self._warned = False
            except Exception as exc:  # noqa: BLE001 - the store is down (stub mode): drop and count
                self._drop(len(batch))
                if not self._warned:
                    log.warning("writes dropped", extra={"writer": self.name, "error": str(exc).splitlines()[0]
                                                         if str(exc) else type(exc).__name__})
                    self._warned = True

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=1)
