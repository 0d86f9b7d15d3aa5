package dev.spc.client.internal;

import dev.spc.client.SpcException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Which calls the client repeats, and how: against one coordinator, submits (keyed) and waits
 * while it is UNAVAILABLE; against a cluster, every call, faster, and also a short call that timed
 * out on a frozen leader.
 */
public final class CallRetries {
  private final boolean cluster;
  private final Duration timeout;

  /** Retries go on for up to {@code timeout} (the client's submit retry timeout). */
  public CallRetries(boolean cluster, Duration timeout) {
    this.cluster = cluster;
    this.timeout = timeout;
  }

  /** A call safe to repeat (a keyed submit, a wait): retried while UNAVAILABLE. */
  public <T> CompletableFuture<T> retrying(Supplier<CompletableFuture<T>> attempt) {
    return cluster ? Calls.retrying(attempt, timeout, Calls.CLUSTER_RETRY)
        : Calls.retrying(attempt, timeout);
  }

  /**
   * A read: against a cluster retried like a submit (a standby's refusal, a leader going away);
   * against one coordinator not at all.
   */
  public <T> CompletableFuture<T> read(Supplier<CompletableFuture<T>> attempt) {
    return cluster ? shortCall(attempt) : attempt.get();
  }

  /**
   * A submit or a read, bounded by the call timeout: retried while UNAVAILABLE, and against a
   * cluster also when it timed out (a frozen leader never answers; the channel has moved on by
   * then, and a submit's idempotency key keeps a repeat from creating a second job).
   */
  public <T> CompletableFuture<T> shortCall(Supplier<CompletableFuture<T>> attempt) {
    if (!cluster) {
      return retrying(attempt);
    }
    return Calls.retrying(attempt, timeout, Calls.CLUSTER_RETRY,
        c -> c instanceof SpcException.Unavailable || c instanceof SpcException.DeadlineExceeded);
  }
}
