package dev.spc.worker.internal;

/** Test access to the agent-side parts of {@link JobRun}. */
public final class JobRunAccess {
  private JobRunAccess() {}

  public static byte[] result(JobRun r) {
    return r.result();
  }

  public static void requestStop(JobRun r, String reason) {
    r.requestStop(reason);
  }

  public static void bind(JobRun r, Thread t) {
    r.bindThread(t);
  }
}
