package dev.spc.server.loop;

import dev.spc.proto.JobState;
import java.util.EnumMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The states of a job and what takes it from one to another: the table {@link JobTable} keeps to. */
final class JobStates {
  private JobStates() {}

  /** What happens to a job. */
  enum Event {
    /** Leased to a worker. */
    LEASE,
    /** Its lease never reached the worker (held back by flow control when the worker left). */
    RETURN,
    /** Its outcome is decided (rule 12: the first one is final; later ones are ignored). */
    FINISH,
    /** An attempt failed and the job waits for its backoff before the next one. */
    RETRY,
    /** Its start time or its backoff has passed: ready to run. */
    DUE,
    /** Its dependencies are done: ready to run. */
    UNBLOCK,
    /** Its dependencies are done, and its start time is still ahead. */
    DELAY
  }

  /** The allowed transitions: from state, on event, to state. Anything else is a bug. */
  static final Map<JobState, Map<Event, JobState>> TABLE = table();

  private static Map<JobState, Map<Event, JobState>> table() {
    Map<JobState, Map<Event, JobState>> t = new EnumMap<>(JobState.class);
    t.put(JobState.JOB_STATE_PENDING, new EnumMap<>(Map.of(
        Event.LEASE, JobState.JOB_STATE_RUNNING,
        Event.FINISH, JobState.JOB_STATE_DONE)));
    t.put(JobState.JOB_STATE_RUNNING, new EnumMap<>(Map.of(
        Event.RETURN, JobState.JOB_STATE_PENDING,
        Event.RETRY, JobState.JOB_STATE_SCHEDULED,
        Event.FINISH, JobState.JOB_STATE_DONE)));
    t.put(JobState.JOB_STATE_SCHEDULED, new EnumMap<>(Map.of(
        Event.DUE, JobState.JOB_STATE_PENDING,
        Event.FINISH, JobState.JOB_STATE_DONE)));
    t.put(JobState.JOB_STATE_BLOCKED, new EnumMap<>(Map.of(
        Event.UNBLOCK, JobState.JOB_STATE_PENDING,
        Event.DELAY, JobState.JOB_STATE_SCHEDULED,
        Event.FINISH, JobState.JOB_STATE_DONE)));
    return t;
  }

  /** The state {@code event} takes a job in {@code from} to, or null if it is not allowed. */
  static @Nullable JobState next(JobState from, Event event) {
    Map<Event, JobState> row = TABLE.get(from);
    return row == null ? null : row.get(event);
  }
}
