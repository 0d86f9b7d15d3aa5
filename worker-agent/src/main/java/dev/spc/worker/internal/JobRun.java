package dev.spc.worker.internal;

import dev.spc.proto.Lease;
import dev.spc.worker.JobCancelledException;
import dev.spc.worker.JobContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One run of one job on one slot: the handler's {@link JobContext}, and what the agent needs to
 * stop it. Cancellation fields are written by the agent thread and read by the handler thread.
 */
public final class JobRun implements JobContext {
  public static final int MAX_RESULT_BYTES = 1 << 20;

  private final Lease lease;
  private final CountDownLatch cancelled = new CountDownLatch(1);
  private volatile String cancelReason;
  private volatile byte[] result;
  private volatile Thread thread;
  static final int MAX_LINE = 4096;
  static final double LINES_PER_SECOND = 100;
  static final double LINE_BURST = 200;

  private volatile Double progress;
  private volatile String progressMessage = "";
  private volatile boolean progressDirty;
  /** Log lines not yet sent; created by the first line (most jobs log nothing). */
  private volatile java.util.concurrent.ConcurrentLinkedQueue<String> lines;
  private double tokens = LINE_BURST;
  private long tokensAtNanos;
  private volatile long dropped;
  private volatile byte[] outputTail;
  private volatile Integer exitCode;
  private volatile Runnable forceStop;
  /** Agent-thread state. */
  boolean stuck;
  boolean forced;
  long stopRequestedNanos;

  /** When the lease's max_seconds run out, on this agent's monotonic clock. */
  final long deadlineNanos;
  /** Stopped by the agent itself for running past max_seconds (agent thread). */
  boolean timedOut;

  public JobRun(Lease lease) {
    this.lease = lease;
    this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(lease.getMaxSeconds());
  }

  public Lease lease() {
    return lease;
  }

  void bindThread(Thread t) {
    this.thread = t;
  }

  /** Set when the agent stopped this job on its own, having lost the coordinator. */
  volatile boolean fenced;

  /** Asks politely: the context reports cancellation and the thread is interrupted. */
  void requestStop(String reason) {
    if (cancelReason == null) {
      cancelReason = reason;
      cancelled.countDown();
    }
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  String cancelReason() {
    return cancelReason;
  }

  /** For a handler that runs a process: what to do when the stop grace runs out (SIGKILL). */
  public void onForceStop(Runnable r) {
    this.forceStop = r;
  }

  Runnable forceStop() {
    return forceStop;
  }

  /** The last bytes of a process's output, reported with the outcome. */
  public void setOutputTail(byte[] tail) {
    this.outputTail = tail;
  }

  byte[] outputTail() {
    return outputTail;
  }

  /** A process's exit status, reported with the outcome. */
  public void setExitCode(int code) {
    this.exitCode = code;
  }

  Integer exitCode() {
    return exitCode;
  }

  byte[] result() {
    return result;
  }

  @Override
  public String jobId() {
    return lease.getJobId();
  }

  @Override
  public long leaseId() {
    return lease.getLeaseId();
  }

  @Override
  public String type() {
    return lease.getSpec().getType();
  }

  @Override
  public List<String> args() {
    return lease.getSpec().getArgsList();
  }

  @Override
  public byte[] payload() {
    return lease.getSpec().getPayload().toByteArray();
  }

  @Override
  public Duration maxRunTime() {
    return Duration.ofSeconds(lease.getMaxSeconds());
  }

  @Override
  public boolean isCancelled() {
    return cancelReason != null;
  }

  @Override
  public boolean awaitCancellation(Duration timeout) throws InterruptedException {
    return cancelled.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void throwIfCancelled() {
    String r = cancelReason;
    if (r != null) {
      throw new JobCancelledException(r);
    }
  }

  @Override
  public void setResult(byte[] bytes) {
    if (bytes.length > MAX_RESULT_BYTES) {
      throw new IllegalArgumentException(
          "result is " + bytes.length + " bytes, limit " + MAX_RESULT_BYTES);
    }
    this.result = bytes.clone();
  }

  @Override
  public void setResult(String text) {
    setResult(text.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void progress(double fraction, String message) {
    progressMessage = message == null ? "" : message;
    progress = Double.isNaN(fraction) ? 0.0 : Math.max(0.0, Math.min(1.0, fraction));
    progressDirty = true;
  }

  @Override
  public synchronized void log(String line) {
    long now = System.nanoTime();
    if (lines == null) {
      lines = new java.util.concurrent.ConcurrentLinkedQueue<>();
      tokensAtNanos = now;
    }
    tokens = Math.min(LINE_BURST, tokens + (now - tokensAtNanos) / 1e9 * LINES_PER_SECOND);
    tokensAtNanos = now;
    if (tokens < 1) {
      dropped++;
      return;
    }
    tokens--;
    lines.add(line.length() > MAX_LINE ? line.substring(0, MAX_LINE) : line);
  }

  /** What changed since the last call, as an update for the coordinator; null if nothing. */
  dev.spc.proto.JobUpdate takeUpdate() {
    java.util.concurrent.ConcurrentLinkedQueue<String> ls = lines;
    if (!progressDirty && dropped == 0 && (ls == null || ls.isEmpty())) {
      return null; // the common case: nothing reported
    }
    dev.spc.proto.JobUpdate.Builder b = null;
    if (progressDirty) {
      progressDirty = false;
      b = dev.spc.proto.JobUpdate.newBuilder().setLeaseId(leaseId())
          .setProgress(progress).setProgressMessage(progressMessage);
    }
    long d;
    synchronized (this) {
      d = dropped;
      dropped = 0;
    }
    for (String l; ls != null && (l = ls.poll()) != null; ) {
      if (b == null) {
        b = dev.spc.proto.JobUpdate.newBuilder().setLeaseId(leaseId());
      }
      b.addLogLines(l);
    }
    if (d > 0) {
      if (b == null) {
        b = dev.spc.proto.JobUpdate.newBuilder().setLeaseId(leaseId());
      }
      b.setDroppedLines(d);
    }
    return b == null ? null : b.build();
  }
}
