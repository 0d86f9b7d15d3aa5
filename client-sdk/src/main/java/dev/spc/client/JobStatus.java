package dev.spc.client;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one job.
 *
 * @param id the job's id
 * @param state PENDING, SCHEDULED, BLOCKED, RUNNING, DONE or UNKNOWN
 * @param reason how it ended; empty unless DONE
 * @param spec what was submitted; null when UNKNOWN
 * @param worker the worker it ran on, empty if it never started
 * @param error the outcome's detail (an exception's text, "worker lost", ...)
 * @param result the bytes the handler set, empty if none
 * @param exitCode a process's exit code, where there is one
 * @param submittedAt when it was accepted; null when UNKNOWN
 * @param startedAt when it was leased to a worker; null if never
 * @param finishedAt when it was done; null if not yet
 * @param pendingReason why a pending job waits, in words
 * @param outputTail the last bytes of a process's combined stdout and stderr
 * @param progress the latest progress the job reported (0.0 to 1.0), if any
 * @param progressMessage the message that came with it
 * @param attempt the current or last attempt, from 1 (0 before the first start)
 * @param maxAttempts the attempts it may have in all
 * @param attempts every finished attempt, oldest first
 * @param nextAttemptAt while SCHEDULED: when it is ready to run
 * @param rerunOf for a job made by {@link SpcClient#rerun}: the job it runs again
 * @param scheduleId for a job a schedule made: the schedule
 * @param scheduledFor for a job a schedule made: the fire time it was made for
 * @param stdoutTail the last bytes of a process's stdout
 * @param stderrTail the last bytes of a process's stderr
 * @param dependencies the jobs it depends on, with their outcomes once they ended
 */
@SuppressWarnings("ArrayRecordComponent") // result bytes as given; a status is not compared
public record JobStatus(JobId id, JobState state, Optional<DoneReason> reason, @Nullable JobSpec spec,
    String worker, String error, byte[] result, OptionalInt exitCode, @Nullable Instant submittedAt,
    @Nullable Instant startedAt, @Nullable Instant finishedAt, String pendingReason, byte[] outputTail,
    java.util.OptionalDouble progress, String progressMessage, int attempt, int maxAttempts,
    java.util.List<JobAttempt> attempts, @Nullable Instant nextAttemptAt, Optional<JobId> rerunOf,
    Optional<String> scheduleId, @Nullable Instant scheduledFor, byte[] stdoutTail, byte[] stderrTail,
    java.util.List<DependencyOutcome> dependencies) {

  public boolean isDone() {
    return state == JobState.DONE;
  }

  /** The result as UTF-8 text. */
  public String resultText() {
    return new String(result, StandardCharsets.UTF_8);
  }

  /** "DONE", "PENDING", ... or "DONE(TIMEOUT)" style for done jobs. */
  public String describe() {
    return reason.map(r -> "DONE(" + r + ")").orElse(state.toString());
  }
}
