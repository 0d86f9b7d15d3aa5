package dev.spc.server.loop;

import static dev.spc.proto.DoneReason.DONE_REASON_CANCELLED;
import static dev.spc.proto.JobState.JOB_STATE_DONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.CatchupPolicy;
import dev.spc.proto.Job;
import dev.spc.proto.JobSpec;
import dev.spc.proto.ListJobsRequest;
import dev.spc.proto.ListSchedulesRequest;
import dev.spc.proto.ListSchedulesResponse;
import dev.spc.proto.OverlapPolicy;
import dev.spc.proto.Schedule;
import dev.spc.proto.Stats;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Schedules on the bare state machine with the fake clock (2026-01-01T00:00:00Z at the start). */
class SchedulesTest {
  final DurableCoordinatorTest.FakeStore store = new DurableCoordinatorTest.FakeStore();
  Harness h = new Harness(CoordinatorConfig.defaults(), Persistence.IN_MEMORY);

  static com.google.protobuf.Duration seconds(long s) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(s).build();
  }

  static Schedule.Builder every(String id, long s) {
    return Schedule.newBuilder().setScheduleId(id).setInterval(seconds(s))
        .setJob(JobSpec.newBuilder().setType("t").addArgs("x"));
  }

  Captured<Schedule> tryCreate(Schedule.Builder s) {
    Captured<Schedule> r = new Captured<>();
    h.feed(new Msg.PutSchedule(s.build(), false, true, r));
    return r;
  }

  Schedule create(Schedule.Builder s) {
    Captured<Schedule> r = tryCreate(s);
    assertNull(r.failure, () -> String.valueOf(r.failure));
    return r.value;
  }

  Schedule get(String id) {
    Captured<Schedule> r = new Captured<>();
    h.feed(new Msg.GetSchedule(id, r));
    assertNull(r.failure, () -> String.valueOf(r.failure));
    return r.value;
  }

  <T> Captured<T> call(UnaryOperator<Captured<T>> send) {
    return send.apply(new Captured<>());
  }

  List<Job> jobsOf(String id) {
    Captured<dev.spc.proto.ListJobsResponse> r = new Captured<>();
    h.feed(new Msg.ListJobs(ListJobsRequest.newBuilder().setScheduleId(id).build(), r));
    return r.value.getJobsList();
  }

  static List<Instant> firedFor(List<Job> jobs) {
    return jobs.stream().map(j -> Views.instant(j.getScheduledFor())).toList();
  }

  static Instant at(String hms) {
    return Instant.parse("2026-01-01T" + hms + "Z");
  }

  void finish(Job j) {
    h.cancel(j.getJobId());
  }

  @Test
  void anIntervalSchedule_firesEveryInterval_andItsJobsSayWhichFireMadeThem() {
    Schedule s = create(every("tick", 10).setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW));
    assertEquals(5, s.getNextFireTimesCount());
    assertEquals(Views.ts(at("00:00:10")), s.getNextFireTimes(0));
    assertEquals(Views.ts(at("00:00:50")), s.getNextFireTimes(4));
    h.advance(Duration.ofSeconds(35));
    List<Job> jobs = jobsOf("tick");
    assertEquals(List.of(at("00:00:10"), at("00:00:20"), at("00:00:30")), firedFor(jobs));
    Job first = jobs.get(0);
    assertEquals("tick", first.getScheduleId());
    assertEquals("schedule:tick@2026-01-01T00:00:10Z", first.getSpec().getIdempotencyKey());
    assertEquals(List.of("x"), first.getSpec().getArgsList());
    Schedule now = get("tick");
    assertEquals(jobs.get(2).getJobId(), now.getLastJobId());
    assertEquals(Views.ts(at("00:00:30")), now.getLastFireTime());
    assertEquals(3, now.getFiresTotal());
    assertEquals(Views.ts(at("00:00:40")), now.getNextFireTimes(0));
  }

  @Test
  void aCronScheduleWithSeconds_firesOnItsCalendar() {
    create(Schedule.newBuilder().setScheduleId("c").setCron("*/15 * * * * *")
        .setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW).setJob(JobSpec.newBuilder().setType("t")));
    h.advance(Duration.ofSeconds(46));
    assertEquals(List.of(at("00:00:15"), at("00:00:30"), at("00:00:45")), firedFor(jobsOf("c")));
  }

  @Test
  void overlapSkip_theDefault_makesNoJobWhileThePreviousIsNotDone() {
    create(every("s", 10));
    h.advance(Duration.ofSeconds(31)); // 10 made a job; 20 and 30 find it pending
    List<Job> jobs = jobsOf("s");
    assertEquals(List.of(at("00:00:10")), firedFor(jobs));
    assertEquals(2, get("s").getSkipsTotal());
    finish(jobs.get(0));
    h.advance(Duration.ofSeconds(10));
    assertEquals(List.of(at("00:00:10"), at("00:00:40")), firedFor(jobsOf("s")));
  }

  @Test
  void overlapCancel_cancelsThePreviousJob_sayingWhy() {
    create(every("s", 10).setOverlap(OverlapPolicy.OVERLAP_POLICY_CANCEL));
    h.advance(Duration.ofSeconds(21));
    List<Job> jobs = jobsOf("s");
    assertEquals(2, jobs.size());
    assertEquals(JOB_STATE_DONE, jobs.get(0).getState());
    assertEquals(DONE_REASON_CANCELLED, jobs.get(0).getDoneReason());
    assertEquals("cancelled: schedule s fired again at 2026-01-01T00:00:20Z (overlap CANCEL)",
        jobs.get(0).getError());
    assertTrue(jobs.get(1).getState() != JOB_STATE_DONE);
  }

  @Test
  void overlapBuffer_keepsOneFire_andMakesItsJobWhenThePreviousEnds() {
    create(every("s", 10).setOverlap(OverlapPolicy.OVERLAP_POLICY_BUFFER));
    h.advance(Duration.ofSeconds(41)); // 10 runs; 20 is buffered; 30 and 40 are skipped
    assertEquals(List.of(at("00:00:10")), firedFor(jobsOf("s")));
    Schedule s = get("s");
    assertEquals(Views.ts(at("00:00:20")), s.getBufferedFireTime());
    assertEquals(2, s.getSkipsTotal());
    finish(jobsOf("s").get(0));
    assertEquals(List.of(at("00:00:10"), at("00:00:20")), firedFor(jobsOf("s")));
    assertTrue(!get("s").hasBufferedFireTime());
  }

  @Test
  void overlapAllow_letsRunsPileUp() {
    create(every("s", 10).setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW));
    h.advance(Duration.ofSeconds(31));
    assertEquals(3, jobsOf("s").size());
  }

  @Test
  void pause_stopsFires_andResume_goesOnFromThenWithoutCatchingUp() {
    create(every("s", 10).setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)
        .setCatchup(CatchupPolicy.CATCHUP_POLICY_ALL));
    Captured<Schedule> paused = call(r -> {
      h.feed(new Msg.PauseSchedule("s", true, r));
      return r;
    });
    assertTrue(paused.value.getPaused());
    assertEquals(0, paused.value.getNextFireTimesCount());
    h.advance(Duration.ofSeconds(35));
    assertEquals(List.of(), jobsOf("s"));
    Captured<Schedule> resumed = call(r -> {
      h.feed(new Msg.PauseSchedule("s", false, r));
      return r;
    });
    assertEquals(Views.ts(at("00:00:40")), resumed.value.getNextFireTimes(0));
    h.advance(Duration.ofSeconds(6));
    assertEquals(List.of(at("00:00:40")), firedFor(jobsOf("s")));
  }

  @Test
  void trigger_makesAJobNow_pausedOrNot_whateverRuns() {
    create(every("s", 3600).setPaused(true));
    Captured<String> one = call(r -> {
      h.feed(new Msg.TriggerSchedule("s", true, r));
      return r;
    });
    h.clock.advance(Duration.ofSeconds(1));
    Captured<String> two = call(r -> {
      h.feed(new Msg.TriggerSchedule("s", true, r));
      return r;
    });
    List<Job> jobs = jobsOf("s");
    assertEquals(List.of(one.value, two.value), jobs.stream().map(Job::getJobId).toList());
    assertEquals(List.of(at("00:00:00"), at("00:00:01")), firedFor(jobs));
    Captured<String> exec = call(r -> {
      h.feed(new Msg.TriggerSchedule("s", false, r));
      return r;
    });
    assertNull(exec.failure, "not an exec schedule: any submitter may trigger it");
  }

  @Test
  void delete_stopsTheSchedule_andLeavesItsJobs() {
    create(every("s", 10));
    h.advance(Duration.ofSeconds(11));
    Captured<Boolean> gone = call(r -> {
      h.feed(new Msg.DeleteSchedule("s", r));
      return r;
    });
    assertTrue(gone.value);
    h.advance(Duration.ofSeconds(30));
    assertEquals(1, jobsOf("s").size());
    Captured<Schedule> missing = call(r -> {
      h.feed(new Msg.GetSchedule("s", r));
      return r;
    });
    assertEquals(Failure.Code.NOT_FOUND, missing.failure.code());
    assertEquals("schedule 's' does not exist", missing.failure.message());
  }

  @Test
  void update_replacesTheSpec_keepsItsHistory_andFiresFromNow() {
    create(every("s", 10).setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW));
    h.advance(Duration.ofSeconds(11));
    Captured<Schedule> u = new Captured<>();
    h.feed(new Msg.PutSchedule(every("s", 60).setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW).build(),
        true, true, u));
    assertEquals(Views.ts(at("00:01:11")), u.value.getNextFireTimes(0));
    assertEquals(jobsOf("s").get(0).getJobId(), u.value.getLastJobId());
    assertEquals(Views.ts(at("00:00:00")), u.value.getCreatedAt());
    Captured<Schedule> unknown = new Captured<>();
    h.feed(new Msg.PutSchedule(every("nope", 60).build(), true, true, unknown));
    assertEquals(Failure.Code.NOT_FOUND, unknown.failure.code());
  }

  @Test
  void listAndStats_showEverySchedule() {
    for (String id : List.of("b", "a", "c")) {
      create(every(id, 10));
    }
    h.feed(new Msg.PauseSchedule("c", true, new Captured<>()));
    Captured<ListSchedulesResponse> page = new Captured<>();
    h.feed(new Msg.ListSchedules(ListSchedulesRequest.newBuilder().setPageSize(2).build(), page));
    assertEquals(List.of("a", "b"), page.value.getSchedulesList().stream().map(Schedule::getScheduleId).toList());
    Captured<ListSchedulesResponse> rest = new Captured<>();
    h.feed(new Msg.ListSchedules(ListSchedulesRequest.newBuilder().setPageSize(2)
        .setPageToken(page.value.getNextPageToken()).build(), rest));
    assertEquals(List.of("c"), rest.value.getSchedulesList().stream().map(Schedule::getScheduleId).toList());
    assertEquals("", rest.value.getNextPageToken());
    h.advance(Duration.ofSeconds(21));
    Captured<Stats> stats = new Captured<>();
    h.feed(new Msg.GetStats(stats));
    assertEquals(3, stats.value.getSchedules());
    assertEquals(1, stats.value.getSchedulesPaused());
    assertEquals(2, stats.value.getScheduleFiresTotal());
    assertEquals(2, stats.value.getScheduleSkipsTotal());
  }

  @Test
  void badSchedules_areRefusedNamingTheField_andChangeNothing() {
    assertEquals("schedule.schedule_id must be 1-128 characters of [A-Za-z0-9._:-] starting with a"
        + " letter or digit, got 'no spaces'", tryCreate(every("no spaces", 10)).failure.message());
    assertEquals("schedule needs exactly one of cron and interval",
        tryCreate(every("s", 10).setCron("* * * * *")).failure.message());
    assertEquals("schedule needs exactly one of cron and interval",
        tryCreate(every("s", 10).clearInterval()).failure.message());
    assertTrue(tryCreate(every("s", 10).clearInterval().setCron("* * * * *").setTimeZone("Nowhere/Land"))
        .failure.message().startsWith("schedule.time_zone 'Nowhere/Land' is not a known IANA time zone"));
    assertTrue(tryCreate(every("s", 10).clearInterval().setCron("not a cron"))
        .failure.message().startsWith("schedule.cron must have 5 fields"));
    assertEquals("schedule.interval must be between 1s and 366d, got 0ms",
        tryCreate(every("s", 0)).failure.message());
    assertEquals("schedule.job.idempotency_key must be empty: each fire's job gets the key"
        + " schedule:<schedule_id>@<fire time>",
        tryCreate(every("s", 10).setJob(JobSpec.newBuilder().setType("t").setIdempotencyKey("k")))
            .failure.message());
    assertTrue(tryCreate(every("s", 10).setJob(JobSpec.newBuilder().setType("t")
        .setStartAt(Views.ts(at("01:00:00"))))).failure.message().startsWith("schedule.job.start_at must be empty"));
    assertTrue(tryCreate(every("s", 10).setJob(JobSpec.newBuilder().setType("t").addDependsOnIndex(0)))
        .failure.message().startsWith("schedule.job.depends_on and .depends_on_index must be empty"));
    assertEquals("schedule.job.type must not be empty",
        tryCreate(every("s", 10).setJob(JobSpec.newBuilder())).failure.message());
    assertEquals("schedule.catchup_limit must be between 0 and 1000, got 1001",
        tryCreate(every("s", 10).setCatchupLimit(1001)).failure.message());
    Captured<ListSchedulesResponse> none = new Captured<>();
    h.feed(new Msg.ListSchedules(ListSchedulesRequest.getDefaultInstance(), none));
    assertEquals(0, none.value.getSchedulesCount(), "nothing was created");
    create(every("s", 10));
    Captured<Schedule> again = tryCreate(every("s", 20));
    assertEquals(Failure.Code.ALREADY_EXISTS, again.failure.code());
    assertEquals("schedule_id 's' is taken: update or delete that schedule, or choose another id",
        again.failure.message());
    Captured<Schedule> exec = new Captured<>();
    h.feed(new Msg.PutSchedule(every("e", 10).setJob(JobSpec.newBuilder().setType("exec").addArgs("true"))
        .build(), false, false, exec));
    assertEquals(Failure.Code.PERMISSION_DENIED, exec.failure.code());
  }

  // ------------------------------------------------------------------ across restarts

  /** A durable coordinator whose batches the store commits at once. */
  void durable() {
    h = new Harness(CoordinatorConfig.defaults(), store);
  }

  void commit() {
    store.applyQueued();
    h.feed(new Msg.Committed(store.lastBatch));
  }

  /** The coordinator dies, stays down for {@code down}, and starts again from what was stored. */
  void crashAndRestart(Duration down) {
    store.queued.clear(); // whatever was not committed is lost
    h.clock.advance(down);
    h.restart(store.sorted(), List.copyOf(store.schedules.values()));
  }

  /** Ticks every 100 ms for {@code d}, the store committing each batch. */
  void run(Duration d) {
    for (long i = 0; i < d.toMillis() / 100; i++) {
      h.clock.advance(Duration.ofMillis(100));
      h.feed(new Msg.Tick());
      commit();
    }
  }

  @Test
  void aFireStoredWithItsJob_isNotMadeAgainAfterACrash() {
    durable();
    create(every("s", 1).setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW));
    commit();
    run(Duration.ofMillis(3050));
    assertEquals(List.of(at("00:00:01"), at("00:00:02"), at("00:00:03")), firedFor(jobsOf("s")));
    crashAndRestart(Duration.ZERO);
    run(Duration.ofSeconds(2));
    assertEquals(List.of(at("00:00:01"), at("00:00:02"), at("00:00:03"), at("00:00:04"), at("00:00:05")),
        firedFor(jobsOf("s")), "one job per fire time, none twice");
  }

  @Test
  void catchupSkip_theDefault_makesNothingForFiresMissedWhileDown() {
    durable();
    create(every("s", 60).setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW));
    commit();
    crashAndRestart(Duration.ofMinutes(5).plusSeconds(30)); // 1..5 minutes missed
    run(Duration.ofSeconds(31));
    assertEquals(List.of(at("00:06:00")), firedFor(jobsOf("s")));
    assertEquals(1, get("s").getSkipsTotal());
  }

  @Test
  void catchupOnce_makesOneJobForTheLatestMissedFire() {
    durable();
    create(every("s", 60).setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)
        .setCatchup(CatchupPolicy.CATCHUP_POLICY_ONCE));
    commit();
    crashAndRestart(Duration.ofMinutes(5).plusSeconds(30));
    run(Duration.ofSeconds(31));
    assertEquals(List.of(at("00:05:00"), at("00:06:00")), firedFor(jobsOf("s")));
  }

  @Test
  void catchupAll_makesTheLatestMissedFiresUpToItsLimit_oldestFirst() {
    durable();
    create(every("s", 60).setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)
        .setCatchup(CatchupPolicy.CATCHUP_POLICY_ALL).setCatchupLimit(3));
    commit();
    crashAndRestart(Duration.ofMinutes(5).plusSeconds(30));
    run(Duration.ofSeconds(1));
    assertEquals(List.of(at("00:03:00"), at("00:04:00"), at("00:05:00")), firedFor(jobsOf("s")));
  }

  @Test
  void aBufferedFire_andAPausedSchedule_surviveARestart() {
    durable();
    create(every("b", 10).setOverlap(OverlapPolicy.OVERLAP_POLICY_BUFFER));
    create(every("p", 10).setPaused(true));
    commit();
    run(Duration.ofSeconds(21));
    crashAndRestart(Duration.ZERO);
    assertEquals(Views.ts(at("00:00:20")), get("b").getBufferedFireTime());
    assertTrue(get("p").getPaused());
    Job first = jobsOf("b").get(0);
    h.feed(new Msg.Cancel(first.getJobId(), new Captured<>()));
    commit();
    assertEquals(List.of(at("00:00:10"), at("00:00:20")), firedFor(jobsOf("b")),
        "the restored job's end releases the buffered fire");
    assertNotNull(get("b"));
  }

  @Test
  void aLateLoop_firesEveryDueTime_butAClockJumpPastTheMisfireThresholdCatchesUp() {
    create(every("s", 10).setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW));
    h.clock.advance(Duration.ofSeconds(35)); // one late tick: 10, 20, 30 all fire
    h.feed(new Msg.Tick());
    assertEquals(3, jobsOf("s").size());
    h.clock.advance(Duration.ofMinutes(10)); // a jump: only the last minute's fires run
    h.feed(new Msg.Tick());
    List<Instant> fired = firedFor(jobsOf("s"));
    assertEquals(at("00:10:30"), fired.get(fired.size() - 1));
    assertEquals(3 + 6, fired.size(), "the fires of the last minute (10:00 to 10:30 by 10 s, minus"
        + " one exactly a minute old) are on time; earlier ones were missed (catch-up SKIP)");
  }

  @Test
  void aStoppingCoordinator_firesNothing_andRefusesScheduleChanges() {
    create(every("s", 10).setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW));
    h.feed(new Msg.Shutdown(new Captured<>()));
    h.advance(Duration.ofSeconds(25));
    assertEquals(List.of(), jobsOf("s"), "fires wait for the next coordinator's catch-up policy");
    assertTrue(h.c.nanosToNextTimer() > 0, "and the loop does not spin on them");
    Captured<String> trigger = new Captured<>();
    h.feed(new Msg.TriggerSchedule("s", true, trigger));
    assertEquals(Failure.Code.UNAVAILABLE, trigger.failure.code());
    assertEquals(Failure.Code.UNAVAILABLE, tryCreate(every("t", 10)).failure.code());
  }
}
