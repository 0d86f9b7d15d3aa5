package dev.spc.worker.internal;

import io.grpc.Status;
import java.net.ConnectException;
import org.jspecify.annotations.Nullable;

/**
 * Why the agent's stream ended, as far as the agent must act on it: the one place that reads
 * gRPC statuses and their causes. Codes decide where they can; where only the JDK's or Netty's
 * exception message tells two network conditions apart (a refused connection from a host that is
 * up, a timed-out one from a host cut off), the message is read here and nowhere else.
 */
public enum StreamFailure {
  /** The coordinator completed the stream, or it ended in a way that says nothing more. */
  CLOSED,
  /** The coordinator's host refused the connection: it is up, the coordinator is (re)starting. */
  REFUSED,
  /**
   * A standby coordinator answered (its refusal names the leader, or says an election is under
   * way): the cluster is up and its next leader re-adopts our jobs within the reconnect grace,
   * as after a restart.
   */
  STANDBY,
  /**
   * The coordinator's host acknowledges but the coordinator has not answered heartbeats asking
   * for an echo ({@link CoordinatorProbe}), or a registration: it is paused, and in a cluster
   * another leads by now.
   * The agent's own verdict; it keeps its jobs for the reconnect grace.
   */
  PAUSED,
  /**
   * Nothing came back: sent data went unacknowledged (TCP user timeout) or pings unanswered. A
   * silent network, a partition: the coordinator has declared this worker lost by now.
   */
  SILENT,
  /** The registration was refused as invalid (INVALID_ARGUMENT). */
  INVALID,
  /** Another connected worker has this name (ALREADY_EXISTS). */
  NAME_TAKEN,
  /** The agent's credentials were refused (UNAUTHENTICATED, PERMISSION_DENIED). */
  DENIED;

  /** How the agent describes a stream it gave up as {@link #PAUSED}. */
  static final String NOT_ANSWERING = "the coordinator does not answer";

  public static StreamFailure classify(Status status) {
    StreamFailure byCode = switch (status.getCode()) {
      case INVALID_ARGUMENT -> INVALID;
      case ALREADY_EXISTS -> NAME_TAKEN;
      case UNAUTHENTICATED, PERMISSION_DENIED -> DENIED;
      case UNAVAILABLE -> null; // the causes tell
      default -> CLOSED;
    };
    if (byCode != null) {
      return byCode;
    }
    String d = status.getDescription();
    if (d != null && d.startsWith(NOT_ANSWERING)) {
      return PAUSED;
    }
    if (d != null && d.startsWith("Keepalive failed")) { // grpc-java's keepalive watchdog
      return SILENT;
    }
    if (d != null && (d.startsWith("this coordinator is a standby") // dev.spc.proto.LeaderHint
        || d.startsWith("no coordinator leads"))) {
      return STANDBY;
    }
    for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m == null) {
        continue;
      }
      if (t instanceof ConnectException && m.contains("refused")) { // ECONNREFUSED
        return REFUSED;
      }
      if (m.contains("Connection timed out")) { // ETIMEDOUT: TCP_USER_TIMEOUT or retransmits
        return SILENT;
      }
    }
    return CLOSED;
  }
}
