package dev.spc.client;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One event of a watched job.
 *
 * @param at when the coordinator recorded it
 * @param kind what it is
 * @param status for {@link Kind#STATE}: the job as it is now
 * @param progress for {@link Kind#PROGRESS}: 0.0 to 1.0
 * @param text the progress message, or the log line
 * @param skipped for {@link Kind#SKIPPED}: how many events this watcher missed by reading slowly
 * @param stream for {@link Kind#LOG}: "stdout" or "stderr" for a process's lines, "" for a handler's
 */
public record JobEvent(@Nullable Instant at, Kind kind, @Nullable JobStatus status, double progress, String text,
    long skipped, String stream) {
  /** Whether this is a line a process wrote to its stderr. */
  public boolean isStderr() {
    return stream.equals("stderr");
  }

  /** The kinds of events. */
  public enum Kind {
    STATE,
    PROGRESS,
    LOG,
    SKIPPED
  }
}
