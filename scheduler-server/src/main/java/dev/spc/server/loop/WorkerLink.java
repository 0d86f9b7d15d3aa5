package dev.spc.server.loop;

import dev.spc.proto.CoordinatorMessage;
import org.jspecify.annotations.Nullable;

/**
 * The coordinator's end of one agent's stream. Only the event loop calls it; implementations
 * never block and swallow errors from a stream that is already gone (the loop hears of that
 * separately, as {@link Msg.WorkerGone}).
 */
public interface WorkerLink {
  void send(CoordinatorMessage message);

  /** Ends the stream: normally when {@code failure} is null, with that status otherwise. */
  void close(@Nullable Failure failure);

  /** A short description of the peer for logs. */
  String peer();

  /**
   * Whether the transport takes more without buffering (gRPC flow control). While it does not,
   * the loop holds the worker's leases back; the link posts {@link Msg.WorkerReady} when ready.
   */
  default boolean isReady() {
    return true;
  }

  /**
   * When the transport last heard anything from the agent, on the coordinator's monotonic clock;
   * {@link Long#MIN_VALUE} if it does not track this. Lets idle agents' heartbeats prove
   * liveness without a trip through the event loop.
   */
  default long lastHeardNanos() {
    return Long.MIN_VALUE;
  }

  /** Wall-clock time of {@link #lastHeardNanos()}, or null. */
  default java.time.@Nullable Instant lastHeardAt() {
    return null;
  }
}
