"""Process-level tuning of a serving process (not of tests, which build many apps).

Python's cyclic garbage collector walks every tracked object of a generation when it collects
it. A serving process holds ~150,000 long-lived objects built at start-up (the GraphQL schema,
the category tree, SQLAlchemy mappers, …), and each GraphQL request allocates thousands of
short-lived ones, so full (generation 2) collections came every ~40 requests and paused the
event loop for up to 150-190 ms, every request in flight with it (measured in-process over
300 search requests on the 100k benchmark database: p99 153-197 ms; docs/performance.md).

`tune_garbage_collector` runs once the app is built: a collection, then `gc.freeze()` moves
the survivors to a permanent generation the collector no longer walks, and a higher
generation-0 threshold (10,000 allocations instead of 700) makes young collections rarer.
Measured the same way: no full collection in 300 requests, GC time 294 ms instead of
1,381-1,671 ms, p99 57 ms.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def tune_garbage_collector() -> None:
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
