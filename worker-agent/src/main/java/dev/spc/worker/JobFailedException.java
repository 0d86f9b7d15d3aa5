package dev.spc.worker;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by a handler to fail its job with exactly this message as the error. A failure is
 * retried when the job's retry policy allows; {@link #nonRetryable} makes it final (bad input, a
 * record that does not exist: nothing a later attempt would change).
 */
public final class JobFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;

  public JobFailedException(String message) {
    this(message, null, true);
  }

  public JobFailedException(String message, Throwable cause) {
    this(message, cause, true);
  }

  private JobFailedException(String message, @Nullable Throwable cause, boolean retryable) {
    super(message, cause);
    this.retryable = retryable;
  }

  /** A failure no retry can mend: the job ends CRASHED at once, whatever its retry policy. */
  public static JobFailedException nonRetryable(String message) {
    return new JobFailedException(message, null, false);
  }

  /** As {@link #nonRetryable(String)}, with its cause. */
  public static JobFailedException nonRetryable(String message, Throwable cause) {
    return new JobFailedException(message, cause, false);
  }

  /** Whether the job's retry policy may try it again. */
  public boolean retryable() {
    return retryable;
  }
}
