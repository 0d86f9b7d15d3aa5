package dev.spc.client;

import io.grpc.Status;

/**
 * Everything the client throws for a refused or failed call: one subclass per kind of failure,
 * mapped from the gRPC status. The message is the coordinator's, which names the field and the
 * limit for bad input.
 */
public abstract sealed class SpcException extends RuntimeException
    permits SpcException.InvalidArgument, SpcException.NotFound, SpcException.AlreadyExists,
        SpcException.ResourceExhausted, SpcException.Unavailable, SpcException.DeadlineExceeded,
        SpcException.PermissionDenied, SpcException.Cancelled, SpcException.Internal {
  private static final long serialVersionUID = 1L;
  private final Status.Code code;

  SpcException(Status.Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The gRPC status code this was mapped from. */
  public Status.Code code() {
    return code;
  }

  /** Maps a gRPC failure to the matching subclass. */
  public static SpcException from(Throwable t) {
    if (t instanceof SpcException e) {
      return e;
    }
    Status s = Status.fromThrowable(t);
    String msg = s.getDescription() != null ? s.getDescription() : s.getCode().toString();
    if (s.getCode() == Status.Code.UNKNOWN && lostConnection(s.getCause())) {
      // grpc-java reports a connection closed under a call being set up as UNKNOWN "channel
      // closed" (grpc/grpc-java#10120): the coordinator went away, as with UNAVAILABLE.
      return new Unavailable("connection to the coordinator closed (" + msg + ")", t);
    }
    if (s.getCode() == Status.Code.CANCELLED && msg.startsWith("RST_STREAM closed stream")) {
      // The server reset the call: a coordinator stopping at once (a deposed leader does), not
      // this client cancelling. Another coordinator may answer it.
      return new Unavailable("the coordinator stopped serving the call (" + msg + ")", t);
    }
    if (s.getCode() == Status.Code.UNAVAILABLE && "io exception".equals(s.getDescription())) {
      for (Throwable c = s.getCause(); c != null; c = c.getCause()) {
        if (c instanceof java.net.ConnectException && c.getMessage() != null) {
          String m = c.getMessage();
          int at = m.lastIndexOf(": /");
          String where = at >= 0 ? " at " + m.substring(at + 3) : "";
          String why = m.contains("refused") ? "connection refused"
              : at >= 0 ? m.substring(0, at) : m;
          return new Unavailable("cannot reach the coordinator" + where + " (" + why + ")", t);
        }
      }
    }
    return switch (s.getCode()) {
      case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> new InvalidArgument(s.getCode(), msg, t);
      case NOT_FOUND -> new NotFound(msg, t);
      case ALREADY_EXISTS -> new AlreadyExists(msg, t);
      case RESOURCE_EXHAUSTED -> new ResourceExhausted(msg, t);
      case UNAVAILABLE -> new Unavailable(msg, t);
      case DEADLINE_EXCEEDED -> new DeadlineExceeded(msg, t);
      case UNAUTHENTICATED, PERMISSION_DENIED -> new PermissionDenied(s.getCode(), msg, t);
      case CANCELLED -> new Cancelled(msg, t);
      default -> new Internal(s.getCode(), msg, t);
    };
  }

  /** Whether a failure came from the connection itself (closed, reset), not from the server. */
  static boolean lostConnection(Throwable cause) {
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof java.io.IOException) { // ClosedChannelException, connection reset, ...
        return true;
      }
    }
    return false;
  }

  /** Bad input: the message names the field and the limit. */
  public static final class InvalidArgument extends SpcException {
    private static final long serialVersionUID = 1L;

    InvalidArgument(Status.Code code, String m, Throwable c) {
      super(code, m, c);
    }
  }

  /** An unknown job (in a wait) or worker. */
  public static final class NotFound extends SpcException {
    private static final long serialVersionUID = 1L;

    NotFound(String m, Throwable c) {
      super(Status.Code.NOT_FOUND, m, c);
    }
  }

  /** A worker name that is already taken. */
  public static final class AlreadyExists extends SpcException {
    private static final long serialVersionUID = 1L;

    AlreadyExists(String m, Throwable c) {
      super(Status.Code.ALREADY_EXISTS, m, c);
    }
  }

  /** A limit such as the pending-queue capacity or the message size. */
  public static final class ResourceExhausted extends SpcException {
    private static final long serialVersionUID = 1L;

    ResourceExhausted(String m, Throwable c) {
      super(Status.Code.RESOURCE_EXHAUSTED, m, c);
    }
  }

  /** The coordinator cannot be reached, or is shutting down. Safe to retry later. */
  public static final class Unavailable extends SpcException {
    private static final long serialVersionUID = 1L;

    Unavailable(String m, Throwable c) {
      super(Status.Code.UNAVAILABLE, m, c);
    }
  }

  /** A wait (or any call) ran out of time. */
  public static final class DeadlineExceeded extends SpcException {
    private static final long serialVersionUID = 1L;

    DeadlineExceeded(String m, Throwable c) {
      super(Status.Code.DEADLINE_EXCEEDED, m, c);
    }
  }

  /** Not authenticated, or not allowed. */
  public static final class PermissionDenied extends SpcException {
    private static final long serialVersionUID = 1L;

    PermissionDenied(Status.Code code, String m, Throwable c) {
      super(code, m, c);
    }
  }

  /** The call was cancelled on this side. */
  public static final class Cancelled extends SpcException {
    private static final long serialVersionUID = 1L;

    Cancelled(String m, Throwable c) {
      super(Status.Code.CANCELLED, m, c);
    }
  }

  /** Anything else: a bug or an unexpected failure on the way. */
  public static final class Internal extends SpcException {
    private static final long serialVersionUID = 1L;

    Internal(Status.Code code, String m, Throwable c) {
      super(code, m, c);
    }
  }
}
