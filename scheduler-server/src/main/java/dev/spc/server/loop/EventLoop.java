package dev.spc.server.loop;

import dev.spc.common.Log;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The one thread that owns the {@link Coordinator}. Other threads {@link #post} messages; the
 * loop takes them in order, drains whatever else is queued (up to a batch), then lets the
 * coordinator dispatch and flush once for the whole batch. A tick is handled every
 * {@code tickInterval} whatever the traffic.
 *
 * <p>A handler that throws is logged and the loop goes on; a request whose handler threw is
 * answered with INTERNAL.
 */
public final class EventLoop implements AutoCloseable {
  private static final Log log = Log.get(EventLoop.class);
  private static final int MAX_BATCH = 4096;
  private static final Msg STOP = new Msg.Tick();

  private final Coordinator coordinator;
  private final Clock clock;
  private final long tickNanos;
  private final BlockingQueue<Msg> queue = new LinkedBlockingQueue<>();
  private final AtomicLong waiterIds = new AtomicLong();
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean closed;
  private volatile LoopMetrics metrics = LoopMetrics.NONE;

  public EventLoop(Coordinator coordinator, Clock clock, Duration tickInterval) {
    this.coordinator = coordinator;
    this.clock = clock;
    this.tickNanos = tickInterval.toNanos();
    this.thread = Thread.ofPlatform().name("spc-loop").daemon(true).unstarted(this::run);
  }

  /** Reports batches to {@code m} (and the coordinator's events, see {@link Coordinator#metrics}). */
  public EventLoop metrics(LoopMetrics m) {
    this.metrics = m;
    coordinator.metrics(m);
    return this;
  }

  public EventLoop start() {
    thread.start();
    return this;
  }

  /** Queues a message for the loop. Never blocks. */
  public void post(Msg msg) {
    if (closed) {
      if (msg instanceof Msg.Request r) {
        r.reply().fail(Failure.unavailable("coordinator is shutting down"));
      }
      return;
    }
    queue.add(msg);
  }

  /** A fresh id for a waiter, so that the caller can later abandon it. */
  public long nextWaiterId() {
    return waiterIds.incrementAndGet();
  }

  @SuppressWarnings("ReferenceEquality") // STOP is a sentinel: the very object, not an equal Tick
  private void run() {
    long nextTick = clock.nanos() + tickNanos;
    try {
      while (true) {
        long toTimer = coordinator.nanosToNextTimer();
        long wait = Math.min(nextTick - clock.nanos(), toTimer);
        Msg msg = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
        long busyFrom = System.nanoTime();
        int n = 0;
        while (msg != null) {
          if (msg == STOP) {
            coordinator.afterBatch();
            return;
          }
          apply(msg);
          if (++n == MAX_BATCH) {
            break;
          }
          msg = queue.poll();
        }
        if (clock.nanos() - nextTick >= 0) {
          apply(new Msg.Tick());
          nextTick = clock.nanos() + tickNanos;
        } else if (coordinator.nanosToNextTimer() == 0) {
          coordinator.fireTimers(); // a start time or backoff due between ticks
        }
        try {
          coordinator.afterBatch();
        } catch (RuntimeException e) {
          log.error("dispatch failed", e);
        }
        if (n > 0) {
          metrics.batch(n, System.nanoTime() - busyFrom);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      // Anything posted after the stop marker gets an answer rather than silence.
      for (Msg left; (left = queue.poll()) != null; ) {
        if (left instanceof Msg.Request r) {
          r.reply().fail(Failure.unavailable("coordinator is shutting down"));
        }
      }
      stopped.countDown();
    }
  }

  private void apply(Msg msg) {
    try {
      coordinator.handle(msg);
    } catch (RuntimeException e) {
      log.error("handler failed", e, "message", msg.getClass().getSimpleName());
      if (msg instanceof Msg.Request r) {
        try {
          r.reply().fail(new Failure(Failure.Code.INTERNAL, "internal error: " + e));
        } catch (RuntimeException ignored) {
          // already answered
        }
      }
    }
  }

  /** Processes everything already posted, then stops the thread. */
  @Override
  public void close() throws InterruptedException {
    if (!closed) {
      closed = true;
      queue.add(STOP);
    }
    stopped.await(10, TimeUnit.SECONDS);
  }

  /** The loop's gauges for a scrape; null if it does not answer within {@code millis}. */
  public @Nullable LoopSnapshot snapshot(long millis) throws InterruptedException {
    java.util.concurrent.CompletableFuture<@Nullable LoopSnapshot> f =
        new java.util.concurrent.CompletableFuture<>();
    post(new Msg.GetSnapshot(Reply.completing(f)));
    try {
      return f.get(millis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return null;
    }
  }
}
