package dev.spc.worker.internal;

import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.WorkerMessage;
import io.grpc.Status;
import java.time.Duration;

/** Opens the agent's stream to the coordinator (gRPC in production, a fake in tests). */
public interface Dialer {
  /** Opens a stream; its events reach {@code listener} on the agent thread. */
  Stream open(Listener listener);

  /**
   * How long data may go unacknowledged on the connection before it counts as cut off (the
   * coordinator's heartbeat settings decide it).
   */
  default void silenceAllowed(Duration d) {}

  /** One open stream. */
  interface Stream {
    /** Sends; false if the stream is gone. */
    boolean send(WorkerMessage m);

    /** Our side is done sending. */
    void halfClose();

    /**
     * Gives the stream up (the coordinator stopped answering): cancels it, and makes the next
     * stream go to another coordinator of the cluster. Nothing more arrives from this one.
     */
    void abandon();
  }

  /** What arrives on a stream. */
  interface Listener {
    void onMessage(CoordinatorMessage m);

    /** The stream ended: OK when the coordinator completed it, otherwise why it failed. */
    void onEnd(Status status);
  }
}
