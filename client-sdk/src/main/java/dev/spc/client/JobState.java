package dev.spc.client;

/** Where a job is in its life: PENDING, then RUNNING, then DONE; UNKNOWN for an id never issued. */
public enum JobState {
  PENDING,
  RUNNING,
  DONE,
  UNKNOWN
}
