package dev.spc.worker;

import java.time.Duration;
import java.util.List;

/** What a {@link JobHandler} gets: the job's input, a cancellation signal and a result slot. */
public interface JobContext {
  String jobId();

  /** The lease this run holds; unique across all runs of all jobs. */
  long leaseId();

  String type();

  List<String> args();

  /** The payload bytes (a copy is not made: do not modify). */
  byte[] payload();

  /** The run time allowed; the coordinator times the job out after this. */
  Duration maxRunTime();

  /** True once the coordinator asked to stop this job (cancel, timeout, worker stop). */
  boolean isCancelled();

  /**
   * Blocks until the job is cancelled or the timeout passes.
   *
   * @return true if cancelled
   */
  boolean awaitCancellation(Duration timeout) throws InterruptedException;

  /** Throws {@link JobCancelledException} if the job was cancelled. */
  void throwIfCancelled();

  /** Sets the job's result bytes (at most 1 MiB); the last call wins. */
  void setResult(byte[] result);

  /** Sets the job's result to this text in UTF-8. */
  void setResult(String result);
}
