package dev.spc.server.loop;

import dev.spc.proto.DoneReason;

/**
 * What the loop reports as it goes, for metrics: called on the loop thread, so an implementation
 * must be cheap and must not block. {@link #NONE} (the default) does nothing.
 */
public interface LoopMetrics {
  LoopMetrics NONE = new LoopMetrics() {};

  /** A job's first attempt started, {@code waitedNanos} after it was submitted. */
  default void started(String type, long waitedNanos) {}

  /** A job ended for {@code reason}; its last attempt ran {@code ranNanos} (-1: it never ran). */
  default void finished(String type, DoneReason reason, long ranNanos) {}

  /** A worker's stream ended or went silent past the heartbeat timeout. */
  default void workerLost() {}

  /** The loop handled {@code messages} messages and then dispatched, busy {@code busyNanos}. */
  default void batch(int messages, long busyNanos) {}

  /**
   * A copy of what this has counted, made on the loop thread for a scrape (it rides in the
   * {@link LoopSnapshot}); null when it keeps nothing.
   */
  default @org.jspecify.annotations.Nullable Object copy() {
    return null;
  }
}
