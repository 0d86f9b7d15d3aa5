package dev.spc.server.auth;

import java.util.Locale;
import java.util.Set;

/**
 * What an identity may call. Each role includes the ones above it in this list, except
 * {@link #WORKER}, which is for agents alone.
 */
public enum Role {
  /**
   * GetJob, ListJobs, WaitJob, WaitAnyJob, WatchJob, ListWorkers, GetStats, GetCluster, GetSchedule,
   * ListSchedules, ListLimits.
   */
  READER,
  /** A reader that may also SubmitJob, SubmitJobs, SubmitEachJob, CancelJob, RerunJob, SignalJob and change schedules. */
  SUBMITTER,
  /** A submitter that may also StopWorker, CancelJobs (and every later admin call). */
  OPERATOR,
  /** Everything. */
  ADMIN,
  /** WorkerService only: an agent. */
  WORKER;

  private static final Set<String> READS = Set.of(
      "spc.v1.JobService/GetJob", "spc.v1.JobService/ListJobs", "spc.v1.JobService/WaitJob",
      "spc.v1.JobService/WaitAnyJob", "spc.v1.JobService/WatchJob",
      "spc.v1.AdminService/ListWorkers", "spc.v1.AdminService/GetStats",
      "spc.v1.AdminService/GetCluster", "spc.v1.ScheduleService/GetSchedule",
      "spc.v1.ScheduleService/ListSchedules", "spc.v1.AdminService/ListLimits");
  private static final Set<String> WRITES = Set.of(
      "spc.v1.JobService/SubmitJob", "spc.v1.JobService/SubmitJobs", "spc.v1.JobService/SubmitEachJob",
      "spc.v1.JobService/CancelJob",
      "spc.v1.JobService/RerunJob", "spc.v1.JobService/SignalJob", "spc.v1.ScheduleService/CreateSchedule",
      "spc.v1.ScheduleService/UpdateSchedule", "spc.v1.ScheduleService/DeleteSchedule",
      "spc.v1.ScheduleService/PauseSchedule", "spc.v1.ScheduleService/ResumeSchedule",
      "spc.v1.ScheduleService/TriggerSchedule");
  private static final String WORKER_SERVICE = "spc.v1.WorkerService/";
  private static final String REFLECTION = "grpc.reflection.";

  /** Whether this role may call the method with this full name ({@code service/method}). */
  public boolean allows(String fullMethod) {
    if (fullMethod.startsWith(REFLECTION)) {
      return true; // any valid identity may look the API up
    }
    if (fullMethod.startsWith(WORKER_SERVICE)) {
      return this == WORKER || this == ADMIN;
    }
    return switch (this) {
      case WORKER -> false;
      case READER -> READS.contains(fullMethod);
      case SUBMITTER -> READS.contains(fullMethod) || WRITES.contains(fullMethod);
      case OPERATOR, ADMIN -> fullMethod.startsWith("spc.v1.");
    };
  }

  /** The name used in tokens files and messages. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** A role from its name, any case; the message names the choices. */
  public static Role parse(String s) {
    for (Role r : values()) {
      if (r.label().equalsIgnoreCase(s.trim())) {
        return r;
      }
    }
    throw new IllegalArgumentException("role must be one of reader, submitter, operator, admin,"
        + " worker; got '" + s + "'");
  }
}
