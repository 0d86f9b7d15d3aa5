package dev.spc.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A schedule as the coordinator holds it.
 *
 * @param id its schedule id
 * @param cron its cron expression; empty for an interval schedule
 * @param timeZone the time zone its cron expression is read in (empty: UTC)
 * @param interval its interval; empty for a cron schedule
 * @param job the job each fire makes
 * @param overlap what a fire does while an earlier job is not done
 * @param catchup what happens to fires missed while no coordinator led
 * @param catchupLimit with {@link ScheduleSpec.Catchup#ALL}, how many missed fires make jobs
 * @param paused whether it is paused
 * @param nextFireTimes the next five fire times (none while paused)
 * @param lastJobId the job of the latest fire that made one
 * @param lastFireTime the latest fire time, whether it made a job or not
 * @param bufferedFireTime a fire kept by {@link ScheduleSpec.Overlap#BUFFER}
 * @param createdAt when it was created
 * @param updatedAt when it was last changed
 * @param firesTotal jobs its fires made since the coordinator started
 * @param skipsTotal fires that made no job since the coordinator started
 */
public record Schedule(String id, String cron, String timeZone, Optional<Duration> interval, JobSpec job,
    ScheduleSpec.Overlap overlap, ScheduleSpec.Catchup catchup, int catchupLimit, boolean paused,
    List<Instant> nextFireTimes, Optional<JobId> lastJobId, @Nullable Instant lastFireTime,
    @Nullable Instant bufferedFireTime, @Nullable Instant createdAt, @Nullable Instant updatedAt,
    long firesTotal, long skipsTotal) {

  /** "cron '30 2 * * *' in Europe/Copenhagen" or "every 10s". */
  public String describe() {
    return interval.map(d -> "every " + dev.spc.common.Durations.format(d))
        .orElse("cron '" + cron + "' in " + (timeZone.isEmpty() ? "UTC" : timeZone));
  }

  static Schedule fromProto(dev.spc.proto.Schedule s) {
    return new Schedule(s.getScheduleId(), s.getCron(), s.getTimeZone(),
        s.hasInterval() ? Optional.of(Wire.duration(s.getInterval())) : Optional.empty(),
        dev.spc.client.internal.Convert.fromProto(s.getJob()),
        s.getOverlap() == dev.spc.proto.OverlapPolicy.OVERLAP_POLICY_UNSPECIFIED
            ? ScheduleSpec.Overlap.SKIP
            : ScheduleSpec.Overlap.valueOf(s.getOverlap().name().substring("OVERLAP_POLICY_".length())),
        s.getCatchup() == dev.spc.proto.CatchupPolicy.CATCHUP_POLICY_UNSPECIFIED
            ? ScheduleSpec.Catchup.SKIP
            : ScheduleSpec.Catchup.valueOf(s.getCatchup().name().substring("CATCHUP_POLICY_".length())),
        s.getCatchupLimit(), s.getPaused(),
        s.getNextFireTimesList().stream().map(Wire::instant).toList(),
        s.getLastJobId().isEmpty() ? Optional.empty() : Optional.of(JobId.of(s.getLastJobId())),
        s.hasLastFireTime() ? Wire.instant(s.getLastFireTime()) : null,
        s.hasBufferedFireTime() ? Wire.instant(s.getBufferedFireTime()) : null,
        s.hasCreatedAt() ? Wire.instant(s.getCreatedAt()) : null,
        s.hasUpdatedAt() ? Wire.instant(s.getUpdatedAt()) : null,
        s.getFiresTotal(), s.getSkipsTotal());
  }
}
