package dev.spc.worker.internal;

import dev.spc.proto.JobUpdate;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;

/**
 * A running job's progress and log lines not yet sent: written by the handler's thread, taken by
 * the agent thread every 200 ms as one {@link JobUpdate}. Lines over the rate limit are counted,
 * not kept; a line is cut at {@link #MAX_LINE} characters.
 */
final class UpdateBuffer {
  static final int MAX_LINE = 4096;
  static final double LINES_PER_SECOND = 100;
  static final double LINE_BURST = 200;

  private final long leaseId;
  private final LogRateLimiter limiter = new LogRateLimiter(LINES_PER_SECOND, LINE_BURST);
  private volatile @Nullable Double progress;
  private volatile String progressMessage = "";
  private volatile boolean progressDirty;
  /** Created by the first line (most jobs log nothing). */
  private volatile @Nullable ConcurrentLinkedQueue<String> lines;
  private volatile long dropped;

  UpdateBuffer(long leaseId) {
    this.leaseId = leaseId;
  }

  void progress(double fraction, String message) {
    progressMessage = message == null ? "" : message;
    progress = Double.isNaN(fraction) ? 0.0 : Math.max(0.0, Math.min(1.0, fraction));
    progressDirty = true;
  }

  /** Lines are kept with a first character saying where they came from. */
  private static final char LOG = 'l';
  private static final char STDOUT = 'o';
  private static final char STDERR = 'e';

  void log(String line, long nowNanos) {
    add(LOG, line, nowNanos);
  }

  /** A line a process wrote to its stdout or stderr. */
  void output(boolean stderr, String line, long nowNanos) {
    add(stderr ? STDERR : STDOUT, line, nowNanos);
  }

  private synchronized void add(char stream, String line, long nowNanos) {
    if (lines == null) {
      lines = new ConcurrentLinkedQueue<>();
    }
    if (!limiter.tryAcquire(nowNanos)) {
      dropped++;
      return;
    }
    lines.add(stream + (line.length() > MAX_LINE ? line.substring(0, MAX_LINE) : line));
  }

  /** What changed since the last call, as an update for the coordinator; null if nothing. */
  @Nullable JobUpdate take() {
    ConcurrentLinkedQueue<String> ls = lines;
    if (!progressDirty && dropped == 0 && (ls == null || ls.isEmpty())) {
      return null; // the common case: nothing reported
    }
    JobUpdate.Builder b = null;
    Double p = progress;
    if (progressDirty && p != null) {
      progressDirty = false;
      b = JobUpdate.newBuilder().setLeaseId(leaseId).setProgress(p)
          .setProgressMessage(progressMessage);
    }
    long d;
    synchronized (this) {
      d = dropped;
      dropped = 0;
    }
    for (String l; ls != null && (l = ls.poll()) != null; ) {
      if (b == null) {
        b = JobUpdate.newBuilder().setLeaseId(leaseId);
      }
      String text = l.substring(1);
      switch (l.charAt(0)) {
        case STDOUT -> b.addStdoutLines(text);
        case STDERR -> b.addStderrLines(text);
        default -> b.addLogLines(text);
      }
    }
    if (d > 0) {
      if (b == null) {
        b = JobUpdate.newBuilder().setLeaseId(leaseId);
      }
      b.setDroppedLines(d);
    }
    return b == null ? null : b.build();
  }
}
