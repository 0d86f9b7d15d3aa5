package dev.spc.worker.internal;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Time and scheduling on the agent thread, injected so that the session's rules (backoff,
 * fencing, drain) are unit tests without sockets or sleeps.
 */
public interface AgentClock {
  /** Monotonic nanoseconds. */
  long nanos();

  /** Runs {@code r} on the agent thread, after what is already queued. */
  void execute(Runnable r);

  /** Runs {@code r} on the agent thread after {@code delayMillis}. */
  Timer schedule(Runnable r, long delayMillis);

  /** A scheduled task. */
  interface Timer {
    void cancel();
  }

  /** The real thing: the agent's single thread and {@link System#nanoTime()}. */
  static AgentClock of(ScheduledExecutorService agentThread) {
    return new AgentClock() {
      @Override
      public long nanos() {
        return System.nanoTime();
      }

      @Override
      public void execute(Runnable r) {
        try {
          agentThread.execute(r);
        } catch (RejectedExecutionException e) {
          // the agent is gone
        }
      }

      @Override
      public Timer schedule(Runnable r, long delayMillis) {
        try {
          ScheduledFuture<?> f = agentThread.schedule(r, delayMillis, TimeUnit.MILLISECONDS);
          return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
          return () -> { };
        }
      }
    };
  }
}
