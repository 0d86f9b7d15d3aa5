package dev.spc.worker;

import java.time.Duration;
import java.util.List;

/** What a {@link JobHandler} gets: the job's input, a cancellation signal and a result slot. */
public interface JobContext {
  String jobId();

  /** The lease this run holds; unique across all runs of all jobs. */
  long leaseId();

  String type();

  /** Which attempt of the job this run is, from 1: above 1 when earlier ones failed and it retries. */
  int attempt();

  /** The attempts the job may have in all (its retry policy's); this run is the last if equal. */
  int maxAttempts();

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

  /**
   * Reports progress: {@code fraction} from 0.0 to 1.0 (clamped) and a short message. The latest
   * value is sent to the coordinator at most every 200 ms; watchers see it, GetJob shows it.
   */
  void progress(double fraction, String message);

  /**
   * Logs a line for the job's watchers (bin/spc logs). Batched every 200 ms and rate-limited to
   * 100 lines a second per job (bursts of 200); lines over the limit are counted, not sent.
   * A line is cut at 4 KiB.
   */
  void log(String line);

  /** The environment the spec asks a program to run with (empty unless given). */
  default java.util.Map<String, String> env() {
    return java.util.Map.of();
  }

  /**
   * The W3C {@code traceparent} of the submit (https://www.w3.org/TR/trace-context/), when the
   * client sent one: a handler continues the trace with it, for example through OpenTelemetry's
   * {@code W3CTraceContextPropagator}. Empty when there is none.
   */
  default java.util.Optional<String> traceparent() {
    return java.util.Optional.empty();
  }

  /** The W3C {@code tracestate} that came with {@link #traceparent()} ("" when none). */
  default String tracestate() {
    return "";
  }

  /** The working directory the spec asks a program to run in ("" for the agent's own). */
  default String cwd() {
    return "";
  }

  /**
   * For a handler that runs a process: what the agent does when a stopped job is still running
   * after the stop grace (kill the process group). Without it such a job leaves its slot stuck.
   */
  default void onForceStop(Runnable kill) {}

  /**
   * For a handler that runs a process: its exit status and the last bytes of its output,
   * reported with the outcome (and kept with the job even when it was stopped).
   */
  default void processEnded(int exitStatus, byte[] outputTail) {}

  /**
   * As {@link #processEnded(int, byte[])}, with the tails of stdout and stderr apart as well
   * ({@code outputTail} holds both, interleaved).
   */
  default void processEnded(int exitStatus, byte[] outputTail, byte[] stdoutTail, byte[] stderrTail) {
    processEnded(exitStatus, outputTail);
  }

  /**
   * For a handler that runs a process: a line it wrote to its stdout ({@code stderr} false) or
   * stderr, for the job's watchers, which see which stream it came from. Batched and rate-limited
   * with {@link #log}.
   */
  default void output(boolean stderr, String line) {
    log(line);
  }

  /**
   * The outcomes of the jobs this one depends on ({@code depends_on}), in that order; empty for a
   * job without dependencies. With {@code DEPENDENCY_FAILURE_RUN} some may have failed.
   */
  default List<Dependency> dependencies() {
    return List.of();
  }

  /**
   * Receives the signals sent to this job ({@code JobService.SignalJob}), each on a thread of its
   * own; signals that came before this call are handed over at once. Replaces an earlier handler.
   */
  default void onSignal(java.util.function.Consumer<Signal> handler) {}

  /**
   * Waits up to {@code timeout} for the next signal not handed to an {@link #onSignal} handler.
   *
   * @return the signal, or null if none came in time
   */
  default @org.jspecify.annotations.Nullable Signal awaitSignal(Duration timeout) throws InterruptedException {
    return null;
  }
}
