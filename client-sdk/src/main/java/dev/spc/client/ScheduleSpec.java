package dev.spc.client;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a schedule is: when it fires (a cron expression in a time zone, or a fixed interval), the
 * job each fire makes, and what happens when fires overlap or were missed. Immutable; start with
 * {@link #cron(String, String)} or {@link #every(String, Duration)}.
 *
 * <pre>{@code
 * spc.schedules().create(ScheduleSpec.cron("nightly-report", "30 2 * * *")
 *     .timeZone("Europe/Copenhagen")
 *     .job(JobSpec.of("report", "--daily"))
 *     .build());
 * }</pre>
 */
public final class ScheduleSpec {
  /** What a fire does while a job the schedule made earlier is not done yet. */
  public enum Overlap {
    /** Make no job for this fire (the default). */
    SKIP,
    /** Make the job anyway: runs may overlap. */
    ALLOW,
    /** Cancel the earlier jobs, then make the job. */
    CANCEL,
    /** Keep this one fire and make its job when the earlier one ends. */
    BUFFER
  }

  /** What happens to fire times that passed while no coordinator was leading. */
  public enum Catchup {
    /** They make no jobs (the default). */
    SKIP,
    /** One job for the latest of them. */
    ONCE,
    /** One job for each, the latest {@link Builder#catchupLimit} of them, oldest first. */
    ALL
  }

  private final String id;
  private final String cron;
  private final String timeZone;
  private final @Nullable Duration interval;
  private final JobSpec job;
  private final Overlap overlap;
  private final Catchup catchup;
  private final int catchupLimit;
  private final boolean paused;

  private ScheduleSpec(Builder b) {
    this.id = b.id;
    this.cron = b.cron;
    this.timeZone = b.timeZone;
    this.interval = b.interval;
    this.job = Objects.requireNonNull(b.job, "a schedule needs a job: call job(...)");
    this.overlap = b.overlap;
    this.catchup = b.catchup;
    this.catchupLimit = b.catchupLimit;
    this.paused = b.paused;
  }

  /**
   * A schedule {@code id} firing on {@code cron}: 5 fields (minute hour day-of-month month
   * day-of-week), or 6 with seconds first; in UTC unless {@link Builder#timeZone} says otherwise.
   */
  public static Builder cron(String id, String cron) {
    Builder b = new Builder(id);
    b.cron = Objects.requireNonNull(cron, "cron");
    return b;
  }

  /** A schedule {@code id} firing every {@code interval} (at least a second) from now. */
  public static Builder every(String id, Duration interval) {
    Builder b = new Builder(id);
    b.interval = Objects.requireNonNull(interval, "interval");
    return b;
  }

  public String id() {
    return id;
  }

  public JobSpec job() {
    return job;
  }

  dev.spc.proto.Schedule toProto() {
    dev.spc.proto.Schedule.Builder b = dev.spc.proto.Schedule.newBuilder().setScheduleId(id)
        .setCron(cron).setTimeZone(timeZone).setJob(job.toProto())
        .setOverlap(dev.spc.proto.OverlapPolicy.valueOf("OVERLAP_POLICY_" + overlap.name()))
        .setCatchup(dev.spc.proto.CatchupPolicy.valueOf("CATCHUP_POLICY_" + catchup.name()))
        .setCatchupLimit(catchupLimit).setPaused(paused);
    if (interval != null) {
      b.setInterval(Wire.duration(interval));
    }
    return b.build();
  }

  /** Builder for {@link ScheduleSpec}; the coordinator checks the expression and the limits. */
  public static final class Builder {
    private final String id;
    private String cron = "";
    private String timeZone = "";
    private @Nullable Duration interval;
    private @Nullable JobSpec job;
    private Overlap overlap = Overlap.SKIP;
    private Catchup catchup = Catchup.SKIP;
    private int catchupLimit;
    private boolean paused;

    private Builder(String id) {
      this.id = Objects.requireNonNull(id, "id");
    }

    /** An IANA time zone name (Europe/Copenhagen) the cron expression is read in; UTC by default. */
    public Builder timeZone(String zone) {
      this.timeZone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /** The job each fire makes (without an idempotency key or a start time). */
    public Builder job(JobSpec job) {
      this.job = Objects.requireNonNull(job, "job");
      return this;
    }

    public Builder overlap(Overlap overlap) {
      this.overlap = Objects.requireNonNull(overlap, "overlap");
      return this;
    }

    public Builder catchup(Catchup catchup) {
      this.catchup = Objects.requireNonNull(catchup, "catchup");
      return this;
    }

    /** With {@link Catchup#ALL}: at most this many missed fires make jobs (1-1000; 10 by default). */
    public Builder catchupLimit(int limit) {
      this.catchupLimit = limit;
      return this;
    }

    /** Created paused: it fires only once resumed. */
    public Builder paused(boolean paused) {
      this.paused = paused;
      return this;
    }

    public ScheduleSpec build() {
      return new ScheduleSpec(this);
    }
  }
}
