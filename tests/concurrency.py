"""Run work in many threads at once, each with its own database connection."""

import threading
from collections.abc import Callable

from django.db import connections


def run_together(count: int, work: Callable[[int], object]) -> list:
    """Start `count` threads at the same instant; return each one's result or exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def runner(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # collected and asserted on by the caller
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
