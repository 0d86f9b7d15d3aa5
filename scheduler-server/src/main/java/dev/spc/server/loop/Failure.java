package dev.spc.server.loop;

/** Why the coordinator refused a request: a status code and a message naming the field and the limit. */
public record Failure(Code code, String message) {
  /** The subset of gRPC status codes the coordinator answers with. */
  public enum Code {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    RESOURCE_EXHAUSTED,
    UNAVAILABLE,
    PERMISSION_DENIED,
    FAILED_PRECONDITION,
    INTERNAL
  }

  public static Failure invalid(String message) {
    return new Failure(Code.INVALID_ARGUMENT, message);
  }

  public static Failure notFound(String message) {
    return new Failure(Code.NOT_FOUND, message);
  }

  public static Failure unavailable(String message) {
    return new Failure(Code.UNAVAILABLE, message);
  }
}
