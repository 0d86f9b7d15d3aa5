package dev.spc.server.loop;

import dev.spc.common.Log;
import dev.spc.proto.ListSchedulesRequest;
import dev.spc.proto.ListSchedulesResponse;
import dev.spc.proto.OverlapPolicy;
import dev.spc.proto.Schedule;
import dev.spc.proto.store.StoredSchedule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The schedules, their timers, and the jobs their fires make.
 *
 * <p>A fire at time T makes a job with the idempotency key {@code schedule:<id>@T} and moves the
 * schedule's cursor to T, in the same batch, so both are stored in one commit: after a crash
 * either both are there or neither. Fire times that came due before this coordinator began
 * leading (it was down, or another one led), or more than {@link #MISFIRE_THRESHOLD} ago (the
 * clock jumped, the process was frozen), are missed and follow the catch-up policy; the others
 * fire, late or not.
 */
final class Schedules {
  private static final Log log = Log.get(Schedules.class);
  static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
  static final int DEFAULT_CATCHUP_LIMIT = 10;
  static final int MAX_CATCHUP_LIMIT = 1000;
  static final int MAX_SCHEDULES = 10_000;
  static final Duration MISFIRE_THRESHOLD = Duration.ofMinutes(1);
  static final int NEXT_FIRE_TIMES = 5;

  private record Timer(Instant at, ScheduleRecord schedule) {}

  private final Clock clock;
  private final Durability commits;
  private final JobTable jobs;
  private final ScheduleValidator checks;
  private final CoordinatorConfig cfg;
  /** Cancels a job that is not done, with this detail. */
  private final BiConsumer<JobRecord, String> cancel;
  private final Runnable wakeDispatch;
  private final TreeMap<String, ScheduleRecord> byId = new TreeMap<>();
  /** Armed fire times; an entry whose schedule's nextFire is no longer it is stale. */
  private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> a.at().compareTo(b.at()));
  /** Schedules whose buffered fire may go now that their jobs are done. */
  private final ArrayDeque<ScheduleRecord> released = new ArrayDeque<>();
  /** Fire times up to here were due before this coordinator led: missed. */
  private final Instant leadingSince;
  private long firesTotal;
  private long skipsTotal;

  Schedules(CoordinatorConfig cfg, Clock clock, Durability commits, JobTable jobs,
      BiConsumer<JobRecord, String> cancel, Runnable wakeDispatch) {
    this.cfg = cfg;
    this.clock = clock;
    this.commits = commits;
    this.jobs = jobs;
    this.checks = new ScheduleValidator(cfg, commits);
    this.cancel = cancel;
    this.wakeDispatch = wakeDispatch;
    this.leadingSince = clock.now();
  }

  // ------------------------------------------------------------------ requests

  void create(Schedule s, boolean mayExec, Reply<Schedule> reply) {
    Instant now = clock.now();
    FireTimes times = checks.check(s, mayExec, now, reply);
    if (times == null) {
      return;
    }
    if (byId.containsKey(s.getScheduleId())) {
      reply.fail(new Failure(Failure.Code.ALREADY_EXISTS, "schedule_id '" + s.getScheduleId()
          + "' is taken: update or delete that schedule, or choose another id"));
      return;
    }
    if (byId.size() >= MAX_SCHEDULES) {
      reply.fail(new Failure(Failure.Code.RESOURCE_EXHAUSTED, "there are " + byId.size()
          + " schedules, the limit"));
      return;
    }
    Schedule spec = userFields(s).setCreatedAt(Views.ts(now)).setUpdatedAt(Views.ts(now)).build();
    ScheduleRecord r = new ScheduleRecord(s.getScheduleId(), spec, times, now);
    byId.put(r.id, r);
    arm(r);
    commits.changed(r);
    log.info("schedule created", "schedule", r.id, "when", describe(spec));
    reply.ok(view(r));
  }

  void update(Schedule s, boolean mayExec, Reply<Schedule> reply) {
    ScheduleRecord r = find(s.getScheduleId(), reply);
    if (r == null) {
      return;
    }
    Instant now = clock.now();
    FireTimes times = checks.check(s, mayExec, now, reply);
    if (times == null) {
      return;
    }
    r.spec = userFields(s).setCreatedAt(r.spec.getCreatedAt()).setUpdatedAt(Views.ts(now))
        .setLastJobId(r.spec.getLastJobId()).setLastFireTime(r.spec.getLastFireTime()).build();
    r.times = times;
    r.cursor = now.isAfter(r.cursor) ? now : r.cursor;
    if (r.overlap() != OverlapPolicy.OVERLAP_POLICY_BUFFER) {
      r.buffered = null;
    }
    arm(r);
    commits.changed(r);
    log.info("schedule updated", "schedule", r.id, "when", describe(r.spec));
    reply.ok(view(r));
  }

  void get(String id, Reply<Schedule> reply) {
    ScheduleRecord r = find(id, reply);
    if (r != null) {
      reply.ok(view(r));
    }
  }

  void list(ListSchedulesRequest req, Reply<ListSchedulesResponse> reply) {
    int size = req.getPageSize();
    if (size < 0 || size > JobRequests.MAX_PAGE_SIZE) {
      reply.fail(Failure.invalid("page_size must be between 0 and " + JobRequests.MAX_PAGE_SIZE
          + ", got " + size));
      return;
    }
    size = size == 0 ? JobRequests.DEFAULT_PAGE_SIZE : size;
    ListSchedulesResponse.Builder out = ListSchedulesResponse.newBuilder();
    var rest = req.getPageToken().isEmpty() ? byId : byId.tailMap(req.getPageToken(), false);
    for (ScheduleRecord r : rest.values()) {
      if (out.getSchedulesCount() == size) {
        out.setNextPageToken(out.getSchedules(size - 1).getScheduleId());
        break;
      }
      out.addSchedules(view(r));
    }
    reply.ok(out.build());
  }

  void delete(String id, Reply<Boolean> reply) {
    ScheduleRecord r = find(id, reply);
    if (r == null) {
      return;
    }
    byId.remove(id);
    r.nextFire = null;
    commits.dropped(id);
    log.info("schedule deleted", "schedule", id, "jobs_not_done", r.active.size());
    reply.ok(true);
  }

  void pause(String id, boolean pause, Reply<Schedule> reply) {
    ScheduleRecord r = find(id, reply);
    if (r == null) {
      return;
    }
    if (r.spec.getPaused() != pause) {
      Instant now = clock.now();
      r.spec = r.spec.toBuilder().setPaused(pause).setUpdatedAt(Views.ts(now)).build();
      if (!pause && now.isAfter(r.cursor)) {
        r.cursor = now; // what came due while paused is not caught up
      }
      arm(r);
      commits.changed(r);
      log.info(pause ? "schedule paused" : "schedule resumed", "schedule", id);
    }
    reply.ok(view(r));
  }

  /** Makes a job now, whatever the schedule's state and overlap policy. */
  void trigger(String id, boolean mayExec, Reply<String> reply) {
    ScheduleRecord r = find(id, reply);
    if (r == null) {
      return;
    }
    if (!mayExec && r.spec.getJob().getType().equals("exec")) {
      reply.fail(new Failure(Failure.Code.PERMISSION_DENIED, "this identity may not submit exec"
          + " jobs, so it may not trigger schedule " + id + ", whose jobs are exec jobs"));
      return;
    }
    JobRecord job = makeJob(r, clock.now());
    if (job == null) {
      reply.fail(new Failure(Failure.Code.RESOURCE_EXHAUSTED, "pending queue is full: capacity "
          + cfg.maxPendingJobs()));
      return;
    }
    reply.ok(job.id());
  }

  private @Nullable ScheduleRecord find(String id, Reply<?> reply) {
    if (id.isEmpty()) {
      reply.fail(Failure.invalid("schedule_id must not be empty"));
      return null;
    }
    ScheduleRecord r = byId.get(id);
    if (r == null) {
      reply.fail(Failure.notFound("schedule '" + SpecValidator.shorten(id) + "' does not exist"));
    }
    return r;
  }

  /** The fields a user sets, without the read-only ones. */
  private static Schedule.Builder userFields(Schedule s) {
    return s.toBuilder().clearNextFireTimes().clearLastJobId().clearCreatedAt().clearUpdatedAt()
        .clearLastFireTime().clearBufferedFireTime().clearFiresTotal().clearSkipsTotal();
  }

  private static String describe(Schedule s) {
    return s.getCron().isEmpty()
        ? "every " + dev.spc.common.Durations.format(Duration.ofSeconds(
            s.getInterval().getSeconds(), s.getInterval().getNanos()))
        : "cron '" + s.getCron() + "' in " + (s.getTimeZone().isEmpty() ? "UTC" : s.getTimeZone());
  }

  // ------------------------------------------------------------------ views and storage

  Schedule view(ScheduleRecord r) {
    Schedule.Builder b = r.spec.toBuilder().setFiresTotal(r.fires).setSkipsTotal(r.skips);
    if (r.buffered != null) {
      b.setBufferedFireTime(Views.ts(r.buffered));
    }
    if (!r.spec.getPaused()) {
      Instant t = r.cursor;
      for (int i = 0; i < NEXT_FIRE_TIMES; i++) {
        t = r.times.next(t);
        if (t == null) {
          break;
        }
        b.addNextFireTimes(Views.ts(t));
      }
    }
    return b.build();
  }

  static StoredSchedule stored(ScheduleRecord r) {
    Schedule.Builder s = r.spec.toBuilder();
    if (r.buffered != null) {
      s.setBufferedFireTime(Views.ts(r.buffered));
    }
    return StoredSchedule.newBuilder().setSchedule(s).setCursor(Views.ts(r.cursor))
        .setAnchor(Views.ts(r.times.anchor())).build();
  }

  /** A schedule as the store held it; a row that no longer parses is skipped, saying so. */
  void restore(StoredSchedule row) {
    Schedule s = row.getSchedule();
    Instant cursor = Views.instant(row.getCursor());
    try {
      FireTimes times = s.getCron().isEmpty()
          ? FireTimes.interval("schedule", Duration.ofSeconds(s.getInterval().getSeconds(),
              s.getInterval().getNanos()), Views.instant(row.getAnchor()))
          : FireTimes.cron("schedule", s.getCron(), s.getTimeZone());
      ScheduleRecord r = new ScheduleRecord(s.getScheduleId(), s.toBuilder().clearBufferedFireTime()
          .build(), times, cursor);
      r.buffered = s.hasBufferedFireTime() ? Views.instant(s.getBufferedFireTime()) : null;
      byId.put(r.id, r);
      arm(r);
    } catch (IllegalArgumentException e) {
      log.warn("skipped a stored schedule that is no longer valid", "schedule", s.getScheduleId(),
          "error", String.valueOf(e.getMessage()));
    }
  }

  /** A restored job that a schedule made and that is not done. */
  void restoredJob(JobRecord j) {
    String made = j.origin.scheduleId();
    ScheduleRecord r = made.isEmpty() || j.isDone() ? null : byId.get(made);
    if (r != null) {
      r.active.add(j);
    }
  }

  // ------------------------------------------------------------------ firing

  private void arm(ScheduleRecord r) {
    r.nextFire = r.spec.getPaused() ? null : r.times.next(r.cursor);
    if (r.nextFire != null) {
      timers.add(new Timer(r.nextFire, r));
    }
  }

  /** Epoch millisecond of the earliest armed fire (rounded up), or MAX_VALUE. */
  @SuppressWarnings("JavaInstantGetSecondsGetNano") // the part of a millisecond: getNano() is it
  long nextAtMillis() {
    while (!timers.isEmpty()) {
      Timer t = timers.peek();
      if (t.at().equals(t.schedule().nextFire) && byId.get(t.schedule().id) == t.schedule()) {
        return t.at().toEpochMilli() + (t.at().getNano() % 1_000_000 == 0 ? 0 : 1);
      }
      timers.poll();
    }
    return Long.MAX_VALUE;
  }

  /** Fires what is due by {@code now}. */
  void fire(Instant now) {
    while (nextAtMillis() <= now.toEpochMilli()) {
      ScheduleRecord r = timers.poll().schedule();
      fireDue(r, now);
      arm(r);
    }
  }

  private void fireDue(ScheduleRecord r, Instant now) {
    Instant missedUpTo = leadingSince.isAfter(now.minus(MISFIRE_THRESHOLD))
        ? leadingSince : now.minus(MISFIRE_THRESHOLD);
    Instant first = r.times.next(r.cursor);
    if (first != null && !first.isAfter(missedUpTo)) {
      catchUp(r, first, missedUpTo);
    }
    for (Instant t = r.times.next(r.cursor); t != null && !t.isAfter(now); t = r.times.next(t)) {
      fireAt(r, t);
    }
  }

  /** Fire times from {@code first} to {@code upTo} were missed: the catch-up policy says what runs. */
  private void catchUp(ScheduleRecord r, Instant first, Instant upTo) {
    List<Instant> run = new ArrayList<>();
    int limit = switch (r.catchup()) {
      case CATCHUP_POLICY_ONCE -> 1;
      case CATCHUP_POLICY_ALL -> r.catchupLimit();
      default -> 0;
    };
    for (Instant t = r.times.previous(upTo, r.cursor); t != null && run.size() < limit;
        t = r.times.previous(t.minusNanos(1), r.cursor)) {
      run.add(0, t);
    }
    log.info("schedule missed fires", "schedule", r.id, "first", first.toString(), "last",
        String.valueOf(r.times.previous(upTo, r.cursor)), "catchup", r.catchup().name()
            .substring("CATCHUP_POLICY_".length()), "running", run.size());
    if (run.isEmpty() || !run.get(0).equals(first)) {
      r.skips++; // at least one missed fire makes no job
      skipsTotal++;
    }
    r.cursor = upTo;
    commits.changed(r);
    for (Instant t : run) {
      fireAt(r, t);
    }
    r.cursor = upTo;
  }

  /** One fire: the overlap policy decides whether it makes a job now, later or never. */
  private void fireAt(ScheduleRecord r, Instant t) {
    r.cursor = t;
    r.spec = r.spec.toBuilder().setLastFireTime(Views.ts(t)).build();
    commits.changed(r);
    if (!r.active.isEmpty()) {
      switch (r.overlap()) {
        case OVERLAP_POLICY_ALLOW -> { }
        case OVERLAP_POLICY_CANCEL -> {
          for (JobRecord j : List.copyOf(r.active)) {
            cancel.accept(j, "cancelled: schedule " + r.id + " fired again at " + t
                + " (overlap CANCEL)");
          }
        }
        case OVERLAP_POLICY_BUFFER -> {
          if (r.buffered == null) {
            r.buffered = t;
          } else {
            skip(r, t, "a fire is buffered already");
          }
          return;
        }
        default -> {
          skip(r, t, "job " + r.active.get(r.active.size() - 1).id() + " is not done");
          return;
        }
      }
    }
    if (makeJob(r, t) == null) {
      skip(r, t, "the pending queue is full");
    }
  }

  private void skip(ScheduleRecord r, Instant t, String why) {
    r.skips++;
    skipsTotal++;
    log.debug("schedule fire skipped", "schedule", r.id, "fire_time", t.toString(), "why", why);
  }

  /** The job of a fire at {@code t}; null if the pending queue is full. */
  private @Nullable JobRecord makeJob(ScheduleRecord r, Instant t) {
    String key = "schedule:" + r.id + "@" + t;
    String existing = jobs.idOfKey(key);
    if (existing != null) {
      return jobs.get(JobIds.sequenceOf(existing)); // made before (the store had it)
    }
    if (jobs.pendingCount() + jobs.scheduledCount() >= cfg.maxPendingJobs()) {
      log.warn("schedule fire made no job: the pending queue is full", "schedule", r.id,
          "fire_time", t.toString(), "capacity", cfg.maxPendingJobs());
      return null;
    }
    JobRecord job = jobs.add(r.spec.getJob().toBuilder().setIdempotencyKey(key).build(),
        clock.now(), "", 0);
    job.origin = JobRecord.Origin.fire(r.id, t);
    r.active.add(job);
    r.fires++;
    firesTotal++;
    r.spec = r.spec.toBuilder().setLastJobId(job.id()).build();
    commits.changed(r);
    wakeDispatch.run();
    return job;
  }

  /** A job is done: a schedule that buffered a fire behind it may make that job now. */
  void jobDone(JobRecord j) {
    String made = j.origin.scheduleId();
    ScheduleRecord r = made.isEmpty() ? null : byId.get(made);
    if (r != null && r.active.remove(j) && r.active.isEmpty() && r.buffered != null) {
      released.add(r);
    }
  }

  /** Makes the jobs of buffered fires whose predecessors are done (outside any job change). */
  void fireBuffered() {
    while (!released.isEmpty()) {
      ScheduleRecord r = released.poll();
      Instant t = r.buffered;
      if (t != null && r.active.isEmpty() && byId.get(r.id) == r) {
        r.buffered = null;
        commits.changed(r);
        if (makeJob(r, t) == null) {
          skip(r, t, "the pending queue is full");
        }
      }
    }
  }

  void addTo(dev.spc.proto.Stats.Builder stats) {
    int paused = 0;
    for (ScheduleRecord r : byId.values()) {
      paused += r.spec.getPaused() ? 1 : 0;
    }
    stats.setSchedules(byId.size()).setSchedulesPaused(paused).setScheduleFiresTotal(firesTotal)
        .setScheduleSkipsTotal(skipsTotal);
  }
}
