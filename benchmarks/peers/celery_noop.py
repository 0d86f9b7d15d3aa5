"""No-op Celery task for the side-by-side burn-down. Each run counts itself in Redis."""
import os

import redis
from celery import Celery

BROKER = os.environ.get("PEER_REDIS", "redis://127.0.0.1:6390/0")
app = Celery("spc_peer", broker=BROKER)
# Tuned as Celery's "Optimizing" guide recommends for many short tasks: results ignored,
# a high prefetch multiplier, early acks, no per-task events.
app.conf.update(
    task_ignore_result=True,
    worker_prefetch_multiplier=256,
    task_acks_late=False,
    worker_send_task_events=False,
    task_send_sent_event=False,
    broker_pool_limit=10,
)
_counter = None


@app.task(name="noop")
def noop():
    global _counter
    if _counter is None:
        _counter = redis.Redis.from_url(BROKER)
    _counter.incr("peer:done")


if __name__ == "__main__":
    import sys
    import time

    n = int(sys.argv[1])
    r = redis.Redis.from_url(BROKER)
    start = time.time()
    with app.producer_or_acquire() as producer:
        for _ in range(n):
            noop.apply_async(producer=producer)
    while int(r.get("peer:done") or 0) < n:
        time.sleep(0.002)
    elapsed = time.time() - start
    time.sleep(0.5)
    done = int(r.get("peer:done") or 0)
    print(f"celery jobs={n} done={done} seconds={elapsed:.3f} jobs_per_s={n / elapsed:.0f}")
    sys.exit(0 if done == n else 1)
