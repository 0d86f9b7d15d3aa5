package dev.spc.client;

/**
 * Where a job is in its life: PENDING (or SCHEDULED for a later start), then RUNNING, then DONE,
 * with SCHEDULED between attempts that are retried; UNKNOWN for an id never issued.
 */
public enum JobState {
  PENDING,
  RUNNING,
  /** Waiting for its start time, or for the backoff before its next attempt. */
  SCHEDULED,
  DONE,
  UNKNOWN,
  /** Waiting for the jobs it depends on to be done. */
  BLOCKED
}
