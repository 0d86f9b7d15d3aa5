package dev.spc.worker.internal;

import dev.spc.proto.Lease;
import dev.spc.worker.JobCancelledException;
import dev.spc.worker.JobContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One run of one job on one slot: the handler's {@link JobContext} and the run's control (cancel,
 * interrupt, force stop, result). Its progress and log lines go to an {@link UpdateBuffer}.
 * Cancellation fields are written by the agent thread and read by the handler thread.
 */
public final class JobRun implements JobContext {
  public static final int MAX_RESULT_BYTES = 1 << 20;

  private final Lease lease;
  private final CountDownLatch cancelled = new CountDownLatch(1);
  private volatile @Nullable String cancelReason;
  private volatile byte @Nullable [] result;
  private volatile @Nullable Thread thread;
  private final UpdateBuffer updates;
  private volatile byte @Nullable [] outputTail;
  private volatile byte @Nullable [] stdoutTail;
  private volatile byte @Nullable [] stderrTail;
  /**
   * Signals not handed to a handler yet (made by the first signal: most runs get none), and the
   * handler once there is one. Guarded by this run's monitor.
   */
  private java.util.@Nullable ArrayDeque<dev.spc.worker.Signal> signals;
  private volatile java.util.function.@Nullable Consumer<dev.spc.worker.Signal> onSignal;
  /** Signals on their way to the handler, and whether a thread is handing them over. Guarded likewise. */
  private java.util.@Nullable ArrayDeque<dev.spc.worker.Signal> forHandler;
  private boolean delivering;
  private volatile @Nullable List<dev.spc.worker.Dependency> dependencies;
  private volatile @Nullable Integer exitCode;
  private volatile @Nullable Runnable forceStop;
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
    this.updates = new UpdateBuffer(lease.getLeaseId());
    this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(lease.getMaxSeconds());
  }

  public Lease lease() {
    return lease;
  }

  void bindThread(@Nullable Thread t) {
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

  @Nullable String cancelReason() {
    return cancelReason;
  }

  @Override
  public void onForceStop(Runnable r) {
    this.forceStop = r;
  }

  @Override
  public void processEnded(int exitStatus, byte[] tail) {
    this.exitCode = exitStatus;
    this.outputTail = tail;
  }

  @Override
  public void processEnded(int exitStatus, byte[] tail, byte[] stdout, byte[] stderr) {
    this.stdoutTail = stdout;
    this.stderrTail = stderr;
    processEnded(exitStatus, tail);
  }

  byte @Nullable [] stdoutTail() {
    return stdoutTail;
  }

  byte @Nullable [] stderrTail() {
    return stderrTail;
  }

  @Override
  public void output(boolean stderr, String line) {
    updates.output(stderr, line, System.nanoTime());
  }

  @Override
  public List<dev.spc.worker.Dependency> dependencies() {
    List<dev.spc.worker.Dependency> d = dependencies;
    if (d == null) {
      d = dev.spc.worker.Dependency.of(lease.getDependenciesList());
      dependencies = d;
    }
    return d;
  }

  /** Agent thread: a signal for this run, to its handler (in order, off the agent thread) or its queue. */
  synchronized void signal(dev.spc.worker.Signal s) {
    if (onSignal == null) {
      if (signals == null) {
        signals = new java.util.ArrayDeque<>(2);
      }
      signals.add(s);
      notifyAll();
    } else {
      deliver(s);
    }
  }

  @Override
  public synchronized void onSignal(java.util.function.Consumer<dev.spc.worker.Signal> handler) {
    onSignal = handler;
    for (dev.spc.worker.Signal s; signals != null && (s = signals.poll()) != null; ) {
      deliver(s);
    }
  }

  /**
   * Queues a signal for the handler; one thread at a time hands them over, so the handler sees
   * them one by one in the order they came. Called holding this run's monitor.
   */
  private void deliver(dev.spc.worker.Signal s) {
    if (forHandler == null) {
      forHandler = new java.util.ArrayDeque<>(2);
    }
    forHandler.add(s);
    if (!delivering) {
      delivering = true;
      Thread.ofVirtual().name("spc-signal-" + lease.getJobId()).start(this::handOver);
    }
  }

  private void handOver() {
    while (true) {
      dev.spc.worker.Signal s;
      java.util.function.Consumer<dev.spc.worker.Signal> h;
      synchronized (this) {
        s = forHandler == null ? null : forHandler.poll();
        if (s == null) {
          delivering = false;
          return;
        }
        h = java.util.Objects.requireNonNull(onSignal, "set before any signal is queued for it");
      }
      try {
        h.accept(s);
      } catch (RuntimeException e) {
        log("[spc: the signal handler failed on " + s.name() + ": " + e + "]");
      }
    }
  }

  @Override
  public synchronized dev.spc.worker.@Nullable Signal awaitSignal(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (signals == null || signals.isEmpty()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return signals.poll();
  }

  @Override
  public java.util.Map<String, String> env() {
    return lease.getSpec().getEnvMap();
  }

  @Override
  public java.util.Optional<String> traceparent() {
    String t = lease.getSpec().getTraceparent();
    return t.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(t);
  }

  @Override
  public String tracestate() {
    return lease.getSpec().getTracestate();
  }

  @Override
  public String cwd() {
    return lease.getSpec().getCwd();
  }

  @Nullable Runnable forceStop() {
    return forceStop;
  }

  byte @Nullable [] outputTail() {
    return outputTail;
  }

  @Nullable Integer exitCode() {
    return exitCode;
  }

  byte @Nullable [] result() {
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
  public int attempt() {
    return Math.max(1, lease.getAttempt());
  }

  @Override
  public int maxAttempts() {
    return Math.max(attempt(), lease.getMaxAttempts());
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
    updates.progress(fraction, message);
  }

  @Override
  public void log(String line) {
    updates.log(line, System.nanoTime());
  }

  /** What changed since the last call, as an update for the coordinator; null if nothing. */
  dev.spc.proto.@Nullable JobUpdate takeUpdate() {
    return updates.take();
  }
}
