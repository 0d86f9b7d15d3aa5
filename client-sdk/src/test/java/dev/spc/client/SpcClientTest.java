package dev.spc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.server.loop.CoordinatorConfig;
import dev.spc.worker.AgentExit;
import dev.spc.worker.WorkerAgent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SDK, the gRPC adapters and the agent together, over the in-process transport. */
class SpcClientTest {
  InProcessCluster cluster;
  SpcClient spc;

  @BeforeEach
  void start() throws Exception {
    cluster = new InProcessCluster(CoordinatorConfig.newBuilder()
        .heartbeatInterval(Duration.ofMillis(100)).heartbeatTimeout(Duration.ofSeconds(2)).build());
    spc = cluster.client;
  }

  @AfterEach
  void stop() throws Exception {
    cluster.close();
  }

  @Test
  void submitAndAwait_returnsTheResult() throws Exception {
    cluster.agent("w1", 2, b -> b);
    JobId id = spc.submit(JobSpec.of("echo", "hello", "world"));
    JobStatus done = spc.await(id, Duration.ofSeconds(10));
    assertEquals(JobState.DONE, done.state());
    assertEquals(Optional.of(DoneReason.DONE), done.reason());
    assertEquals("hello world", done.resultText());
    assertEquals("w1", done.worker());
    assertTrue(done.finishedAt() != null && done.startedAt() != null);
  }

  @Test
  void asyncVariantsCompose() throws Exception {
    cluster.agent("w1", 1, b -> b);
    JobStatus done = spc.submitAsync(JobSpec.of("noop"))
        .thenCompose(id -> spc.awaitAsync(id, Duration.ofSeconds(10)))
        .get(10, TimeUnit.SECONDS);
    assertEquals(Optional.of(DoneReason.DONE), done.reason());
  }

  @Test
  void manySingleSubmitsAtOnce_eachAcceptedOrRefusedAlone() throws Exception {
    cluster.agent("w1", 8, b -> b);
    List<java.util.concurrent.CompletableFuture<JobId>> submitted = new java.util.ArrayList<>();
    for (int i = 0; i < 500; i++) {
      JobSpec spec = switch (i) {
        case 100, 300 -> JobSpec.of("not a type");
        case 200, 201 -> JobSpec.newBuilder("noop").idempotencyKey("twice").build();
        default -> JobSpec.of("noop");
      };
      submitted.add(spc.submitAsync(spec));
    }
    java.util.Set<JobId> ids = new java.util.HashSet<>();
    for (int i = 0; i < submitted.size(); i++) {
      var f = submitted.get(i);
      if (i == 100 || i == 300) {
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof SpcException.InvalidArgument, String.valueOf(e.getCause()));
        assertTrue(e.getCause().getMessage().contains("job.type must be"), e.getCause().getMessage());
      } else {
        ids.add(f.get(10, TimeUnit.SECONDS));
      }
    }
    assertEquals(497, ids.size(), "one id each, the repeated key's job once");
    assertEquals(submitted.get(200).get(), submitted.get(201).get());
    for (JobId id : ids) {
      assertEquals(Optional.of(DoneReason.DONE), spc.await(id, Duration.ofSeconds(10)).reason());
    }
  }

  @Test
  void statsCountJobsByStateAndOutcome() {
    cluster.agent("w1", 2, b -> b);
    spc.await(spc.submit(JobSpec.of("noop")), Duration.ofSeconds(10));
    spc.await(spc.submit(JobSpec.of("fail")), Duration.ofSeconds(10));
    spc.cancel(spc.submit(JobSpec.of("nobody-handles-this")));
    spc.submit(JobSpec.of("nobody-handles-this"));
    CoordinatorStats s = spc.stats();
    assertEquals(new CoordinatorStats(1, 0, 3, 1, 0, 1, 1, 4, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, Integer.MIN_VALUE, 0, 3, 1), s);
  }

  @Test
  void aFailingHandler_isCrashedWithItsMessage() {
    cluster.agent("w1", 1, b -> b);
    JobStatus done = spc.await(spc.submit(JobSpec.of("fail", "disk on fire")), Duration.ofSeconds(10));
    assertEquals(Optional.of(DoneReason.CRASHED), done.reason());
    assertEquals("disk on fire", done.error());
  }

  @Test
  void customHandlers_getArgsPayloadAndSetResults() {
    cluster.agent("w1", 1, b -> b.handler("upper",
        ctx -> ctx.setResult(new String(ctx.payload(), java.nio.charset.StandardCharsets.UTF_8).toUpperCase(java.util.Locale.ROOT))));
    JobId id = spc.submit(JobSpec.newBuilder("upper").payload("abc".getBytes(java.nio.charset.StandardCharsets.UTF_8)).build());
    assertEquals("ABC", spc.await(id, Duration.ofSeconds(10)).resultText());
  }

  @Test
  void batchSubmit_isAllOrNothing_andNamesTheBadSpec() {
    var e = assertThrows(SpcException.InvalidArgument.class, () -> spc.submitAll(List.of(
        JobSpec.of("noop"), JobSpec.newBuilder("noop").args("x".repeat(70_000)).build())));
    assertEquals("jobs[1].args total 70000 bytes, limit 65536", e.getMessage());
    assertEquals(0, spc.list(null, 10, "").jobs().size());
    List<JobId> ids = spc.submitAll(List.of(JobSpec.of("noop"), JobSpec.of("noop")));
    assertEquals(2, ids.size());
    assertEquals(ids.get(0), spc.list(null, 10, "").jobs().get(0).id());
  }

  @Test
  void statusOfUnknownAndMalformedIds() {
    assertEquals(JobState.UNKNOWN, spc.status(JobId.of("abc-1")).state());
    assertThrows(SpcException.InvalidArgument.class, () -> spc.status(JobId.of("no such id")));
    assertThrows(SpcException.NotFound.class, () -> spc.await(JobId.of("abc-1")));
  }

  @Test
  void awaitHonoursItsTimeout() {
    JobId id = spc.submit(JobSpec.of("nobody-handles-this"));
    assertThrows(SpcException.DeadlineExceeded.class, () -> spc.await(id, Duration.ofMillis(200)));
    JobStatus s = spc.status(id);
    assertEquals(JobState.PENDING, s.state());
    assertEquals("no connected worker handles type 'nobody-handles-this'", s.pendingReason());
  }

  @Test
  void cancelRunningSleep_isCancelledAndTheSlotIsReused() {
    cluster.agent("w1", 1, b -> b);
    JobId sleeper = spc.submit(JobSpec.of("sleep", "60"));
    JobId next = spc.submit(JobSpec.of("echo", "after"));
    poll(() -> spc.status(sleeper).state() == JobState.RUNNING);
    assertEquals(JobState.DONE, spc.cancel(sleeper));
    assertEquals(Optional.of(DoneReason.CANCELLED), spc.status(sleeper).reason());
    assertEquals("after", spc.await(next, Duration.ofSeconds(10)).resultText());
  }

  @Test
  void onVirtualSlotThreads_aCancelledSleepStopsAndFreesItsSlot() {
    cluster.agent("w1", 1, b -> b.slotThreads(dev.spc.worker.SlotThreads.VIRTUAL));
    JobId sleeper = spc.submit(JobSpec.of("sleep", "60"));
    JobId next = spc.submit(JobSpec.of("echo", "after"));
    poll(() -> spc.status(sleeper).state() == JobState.RUNNING);
    assertEquals(JobState.DONE, spc.cancel(sleeper));
    assertEquals("after", spc.await(next, Duration.ofSeconds(10)).resultText());
    assertEquals(0, spc.workers().get(0).stuckSlots());
  }

  @Test
  void awaitAny_returnsTheFirstDone() {
    cluster.agent("w1", 2, b -> b);
    JobId slow = spc.submit(JobSpec.of("sleep", "30"));
    JobId fast = spc.submit(JobSpec.of("sleep", "0.05"));
    assertEquals(fast, spc.awaitAny(List.of(slow, fast), Duration.ofSeconds(10)).id());
    spc.cancel(slow);
  }

  @Test
  void workersAndStopWorker() throws Exception {
    WorkerAgent agent = cluster.agent("w1", 2, b -> b);
    cluster.awaitWorkers(1);
    WorkerInfo w = spc.workers().get(0);
    assertEquals("w1", w.name());
    assertEquals(2, w.slots());
    assertTrue(w.jobTypes().containsAll(List.of("sleep", "echo", "noop", "fail", "spin")));
    JobId running = spc.submit(JobSpec.of("sleep", "60"));
    poll(() -> spc.status(running).state() == JobState.RUNNING);
    assertEquals(List.of(running), spc.stopWorker("w1"));
    assertEquals(Optional.of(DoneReason.CANCELLED), spc.status(running).reason());
    AgentExit exit = agent.exitFuture().get(10, TimeUnit.SECONDS);
    assertEquals(AgentExit.Reason.STOPPED, exit.reason());
    assertEquals(List.of(), spc.stopWorker("w1"), "already gone: a no-op");
    assertThrows(SpcException.NotFound.class, () -> spc.stopWorker("nobody"));
  }

  @Test
  void aTakenName_endsTheSecondAgent() throws Exception {
    cluster.agent("w1", 1, b -> b);
    cluster.awaitWorkers(1);
    WorkerAgent dup = cluster.agent("w1", 1, b -> b);
    AgentExit exit = dup.exitFuture().get(10, TimeUnit.SECONDS);
    assertEquals(AgentExit.Reason.NAME_TAKEN, exit.reason());
    assertEquals(3, exit.exitCode());
  }

  @Test
  void spinIgnoringStop_timesOut_reportsItsSlotStuck_andTheOtherSlotKeepsWorking() throws Exception {
    WorkerAgent agent = cluster.agent("w1", 2, b -> b.stopGrace(Duration.ofMillis(200)));
    JobId spin = spc.submit(JobSpec.newBuilder("spin").maxSeconds(1).build());
    JobStatus s = spc.await(spin, Duration.ofSeconds(10));
    assertEquals(Optional.of(DoneReason.TIMEOUT), s.reason());
    poll(() -> spc.workers().get(0).stuckSlots() == 1);
    assertEquals("ok", spc.await(spc.submit(JobSpec.of("echo", "ok")), Duration.ofSeconds(10)).resultText());
    JobId spin2 = spc.submit(JobSpec.newBuilder("spin").maxSeconds(1).build());
    assertEquals(Optional.of(DoneReason.TIMEOUT), spc.await(spin2, Duration.ofSeconds(10)).reason());
    AgentExit exit = agent.exitFuture().get(10, TimeUnit.SECONDS);
    assertEquals(AgentExit.Reason.ALL_SLOTS_STUCK, exit.reason());
  }

  @Test
  void jobsRunOnPlatformThreads_orOnVirtualOnesWhenTheAgentSaysSo() throws Exception {
    dev.spc.worker.JobHandler where = ctx -> ctx.setResult(
        (Thread.currentThread().isVirtual() ? "virtual " : "platform ")
            + Thread.currentThread().getName().replaceAll("[0-9]+$", "N"));
    cluster.agent("w1", 2, b -> b.handler("where-default", where));
    cluster.agent("w2", 2, b -> b.slotThreads(dev.spc.worker.SlotThreads.VIRTUAL)
        .handler("where-virtual", where));
    assertEquals("platform spc-slot-N",
        spc.await(spc.submit(JobSpec.of("where-default")), Duration.ofSeconds(10)).resultText());
    assertEquals("virtual spc-slot-N",
        spc.await(spc.submit(JobSpec.of("where-virtual")), Duration.ofSeconds(10)).resultText());
    assertThrows(NullPointerException.class, () -> WorkerAgent.newBuilder().slotThreads(null));
  }

  static void poll(java.util.function.BooleanSupplier cond) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10s");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void aRetryPolicy_travelsWithTheSpec_andAttemptsComeBack() {
    cluster.agent("w1", 1, b -> b);
    RetryPolicy policy = RetryPolicy.attempts(3).backoff(Duration.ofMillis(50), Duration.ofMillis(200))
        .jitter(0).retryOn(DoneReason.CRASHED).build();
    JobSpec spec = JobSpec.newBuilder("flaky").args("1", "not yet").retry(policy)
        .expireAfter(Duration.ofMinutes(1)).build();
    JobStatus done = spc.await(spc.submit(spec), Duration.ofSeconds(10));
    assertEquals(Optional.of(DoneReason.DONE), done.reason());
    assertEquals(spec, done.spec().toBuilder().idempotencyKey("").build(),
        "the spec read back equals the one sent (bar the key the SDK adds)");
    assertEquals(2, done.attempt());
    assertEquals(3, done.maxAttempts());
    assertEquals(List.of(DoneReason.CRASHED, DoneReason.DONE),
        done.attempts().stream().map(JobAttempt::reason).toList());
    assertEquals("not yet (attempt 1 of 3)", done.attempts().get(0).error());
    assertEquals("succeeded on attempt 2", done.resultText());
  }

  @Test
  void aDelayedJob_isScheduled_andTheDeadSetIsOneQuery() {
    cluster.agent("w1", 1, b -> b);
    JobId later = spc.submit(JobSpec.newBuilder("noop").startAfter(Duration.ofHours(1)).build());
    JobStatus s = spc.status(later);
    assertEquals(JobState.SCHEDULED, s.state());
    assertTrue(s.nextAttemptAt() != null && s.pendingReason().startsWith("starts at"), s.toString());
    JobId dead = spc.submit(JobSpec.of("fail", "no"));
    spc.await(dead, Duration.ofSeconds(10));
    assertEquals(List.of(dead), spc.find(JobQuery.dead(), 10, null).jobs().stream()
        .map(JobStatus::id).toList());
    assertEquals(List.of(later), spc.find(JobQuery.inState(JobState.SCHEDULED), 10, null).jobs()
        .stream().map(JobStatus::id).toList());
    JobId again = spc.rerun(dead);
    assertEquals(Optional.of(dead), spc.await(again, Duration.ofSeconds(10)).rerunOf());
  }

  @Test
  void aSchedule_firesJobsThatSayWhichFireMadeThem_andIsManagedFromTheClient() throws Exception {
    cluster.agent("w1", 2, b -> b);
    ScheduleClient schedules = spc.schedules();
    Schedule made = schedules.create(ScheduleSpec.cron("every-second", "* * * * * *")
        .timeZone("Europe/Copenhagen").job(JobSpec.of("echo", "tick")).overlap(ScheduleSpec.Overlap.ALLOW)
        .build());
    assertEquals(5, made.nextFireTimes().size());
    assertEquals("cron '* * * * * *' in Europe/Copenhagen", made.describe());
    assertEquals(ScheduleSpec.Overlap.ALLOW, made.overlap());
    assertThrows(SpcException.AlreadyExists.class, () -> schedules.create(ScheduleSpec.every("every-second",
        Duration.ofMinutes(1)).job(JobSpec.of("noop")).build()));
    SpcException.InvalidArgument bad = assertThrows(SpcException.InvalidArgument.class, () -> schedules.create(
        ScheduleSpec.cron("bad", "0 0 * *").job(JobSpec.of("noop")).build()));
    assertTrue(bad.getMessage().contains("schedule.cron must have 5 fields"), bad.getMessage());
    JobId now = schedules.trigger("every-second");
    JobStatus done = spc.await(now, Duration.ofSeconds(10));
    assertEquals(Optional.of("every-second"), done.scheduleId());
    assertTrue(done.scheduledFor() != null);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (spc.find(JobQuery.madeBy("every-second"), 100, null).jobs().size() < 3
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    List<JobStatus> jobs = spc.find(JobQuery.madeBy("every-second"), 100, null).jobs();
    assertTrue(jobs.size() >= 3, "fires make jobs: " + jobs.size());
    assertEquals(jobs.size(), jobs.stream().map(JobStatus::scheduledFor).distinct().count(),
        "one job per fire time");
    assertTrue(schedules.pause("every-second").paused());
    assertEquals(List.of("every-second"), schedules.list().stream().map(Schedule::id).toList());
    assertTrue(schedules.get("every-second").nextFireTimes().isEmpty());
    assertTrue(!schedules.resume("every-second").paused());
    assertEquals(1, spc.stats().schedules());
    schedules.delete("every-second");
    assertThrows(SpcException.NotFound.class, () -> schedules.get("every-second"));
    assertTrue(schedules.list().isEmpty());
  }

  @Test
  void labels_findJobs_andCancelJobsCancelsWhatASelectorMatches() {
    JobSpec spec = JobSpec.newBuilder("nobody-runs-this").label("tenant", "acme").label("batch", "7").build();
    JobId a = spc.submit(spec);
    JobId b = spc.submit(spec.toBuilder().priority(9).build());
    JobId c = spc.submit(JobSpec.newBuilder("nobody-runs-this").label("tenant", "globex").build());
    assertEquals(java.util.Map.of("tenant", "acme", "batch", "7"), spc.status(a).spec().labels());
    assertEquals(List.of(a, b), spc.find(JobQuery.all().withLabel("tenant", "acme"), 10, null).jobs()
        .stream().map(JobStatus::id).toList());
    assertEquals(List.of(c), spc.find(JobQuery.all().ofType("nobody-runs-this").withLabel("tenant", "globex"),
        10, null).jobs().stream().map(JobStatus::id).toList());
    assertEquals(1, spc.cancelJobs(JobSelector.label("tenant", "acme").andPriorityBelow(5)));
    assertEquals(Optional.of(DoneReason.CANCELLED), spc.status(a).reason());
    assertEquals(JobState.PENDING, spc.status(b).state());
    assertThrows(SpcException.InvalidArgument.class, () -> spc.cancelJobs(
        new JobSelector(java.util.Map.of(), null, java.util.Set.of(), java.util.OptionalInt.empty())));
  }

  @Test
  void theAccessLevel_holdsBackLowPriorities_andInterruptsThem() throws Exception {
    cluster.agent("w1", 2, b -> b);
    JobId low = spc.submit(JobSpec.newBuilder("sleep").args("30").priority(1).build());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (spc.status(low).state() != JobState.RUNNING && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(1, spc.admin().setAccessLevel(5, true));
    assertEquals(Optional.of(DoneReason.CANCELLED), spc.await(low, Duration.ofSeconds(10)).reason());
    JobId waiting = spc.submit(JobSpec.newBuilder("noop").priority(4).build());
    assertTrue(spc.status(waiting).pendingReason().startsWith("held back by the access level 5"),
        spc.status(waiting).pendingReason());
    assertEquals(5, spc.stats().accessLevel());
    spc.admin().setAccessLevel(AdminClient.OPEN, false);
    assertEquals(Optional.of(DoneReason.DONE), spc.await(waiting, Duration.ofSeconds(10)).reason());
  }
}
