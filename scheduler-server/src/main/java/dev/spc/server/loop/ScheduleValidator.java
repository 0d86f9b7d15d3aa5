package dev.spc.server.loop;

import dev.spc.proto.CatchupPolicy;
import dev.spc.proto.JobSpec;
import dev.spc.proto.OverlapPolicy;
import dev.spc.proto.Schedule;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Rule 14 for schedules: what CreateSchedule and UpdateSchedule accept. Every refusal names the
 * field (schedule_id, cron, time_zone, interval, the policies, the job template) and the limit.
 */
final class ScheduleValidator {
  private final SpecValidator validator;
  private final Durability commits;

  ScheduleValidator(CoordinatorConfig cfg, Durability commits) {
    this.validator = new SpecValidator(cfg);
    this.commits = commits;
  }

  /** The fire times of a valid schedule, or null after refusing it. */
  @Nullable FireTimes check(Schedule s, boolean mayExec, Instant now, Reply<?> reply) {
    String problem = null;
    FireTimes times = null;
    if (!Schedules.ID.matcher(s.getScheduleId()).matches()) {
      problem = "schedule.schedule_id must be 1-128 characters of [A-Za-z0-9._:-] starting with a"
          + " letter or digit, got '" + SpecValidator.shorten(s.getScheduleId()) + "'";
    } else if (s.getCron().isEmpty() == !s.hasInterval()) {
      problem = "schedule needs exactly one of cron and interval";
    } else if (!s.getCron().isEmpty() || !s.getTimeZone().isEmpty()) {
      try {
        times = s.getCron().isEmpty() ? null : FireTimes.cron("schedule", s.getCron(), s.getTimeZone());
        FireTimes.zone("schedule", s.getTimeZone());
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
    }
    if (problem == null && s.hasInterval()) {
      try {
        // From the whole second: fire times read 12:00:05, not 12:00:04.660017282.
        times = FireTimes.interval("schedule", Duration.ofSeconds(s.getInterval().getSeconds(),
            s.getInterval().getNanos()), now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
      } catch (IllegalArgumentException | ArithmeticException e) {
        problem = e.getMessage();
      }
    }
    if (problem == null) {
      problem = checkPolicies(s);
    }
    if (problem == null) {
      problem = checkTemplate(s.getJob(), now);
    }
    if (problem != null) {
      reply.fail(Failure.invalid(problem));
      return null;
    }
    if (!mayExec && s.getJob().getType().equals("exec")) {
      reply.fail(new Failure(Failure.Code.PERMISSION_DENIED, "this identity may not submit exec"
          + " jobs, so it may not schedule them"));
      return null;
    }
    if (commits.refuseWrite(reply)) {
      return null;
    }
    return times;
  }

  private static @Nullable String checkPolicies(Schedule s) {
    if (s.getOverlap() == OverlapPolicy.UNRECOGNIZED) {
      return "schedule.overlap is not a known OverlapPolicy: " + s.getOverlapValue();
    }
    if (s.getCatchup() == CatchupPolicy.UNRECOGNIZED) {
      return "schedule.catchup is not a known CatchupPolicy: " + s.getCatchupValue();
    }
    if (s.getCatchupLimit() < 0 || s.getCatchupLimit() > Schedules.MAX_CATCHUP_LIMIT) {
      return "schedule.catchup_limit must be between 0 and " + Schedules.MAX_CATCHUP_LIMIT + ", got "
          + s.getCatchupLimit();
    }
    return null;
  }

  private @Nullable String checkTemplate(JobSpec job, Instant now) {
    if (!job.getIdempotencyKey().isEmpty()) {
      return "schedule.job.idempotency_key must be empty: each fire's job gets the key"
          + " schedule:<schedule_id>@<fire time>";
    }
    if (job.hasStartAt()) {
      return "schedule.job.start_at must be empty: a schedule's jobs start at their fire time"
          + " (start_after delays each of them)";
    }
    if (job.getDependsOnCount() > 0 || job.getDependsOnIndexCount() > 0) {
      return "schedule.job.depends_on and .depends_on_index must be empty: a schedule's jobs do not"
          + " wait for other jobs (use a concurrency key to keep them apart)";
    }
    return validator.check("schedule.job", job, now);
  }

}
