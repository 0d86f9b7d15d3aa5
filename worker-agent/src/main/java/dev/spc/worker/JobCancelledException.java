package dev.spc.worker;

/** Thrown by {@link JobContext#throwIfCancelled()}: the job was asked to stop. */
public final class JobCancelledException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JobCancelledException(String reason) {
    super(reason);
  }
}
