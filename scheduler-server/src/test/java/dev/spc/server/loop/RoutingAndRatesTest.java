package dev.spc.server.loop;

import static dev.spc.proto.JobState.JOB_STATE_PENDING;
import static dev.spc.proto.JobState.JOB_STATE_RUNNING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.JobSpec;
import dev.spc.proto.JobSignal;
import dev.spc.proto.RateLimit;
import dev.spc.proto.Register;
import dev.spc.proto.SetRateLimitRequest;
import dev.spc.proto.SignalJobRequest;
import dev.spc.proto.SignalJobResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Routing by worker labels, rate limits by type, and signals to running jobs. */
class RoutingAndRatesTest {
  final Harness h = new Harness();

  RecordingLink worker(String name, Map<String, String> labels) {
    RecordingLink link = new RecordingLink(name);
    h.feed(new Msg.WorkerRegister(link, Register.newBuilder().setName(name).setSlots(4)
        .addJobTypes("t").putAllLabels(labels).build()));
    return link;
  }

  static JobSpec constrained(Map<String, String> constraints) {
    return JobSpec.newBuilder().setType("t").putAllConstraints(constraints).build();
  }

  @Test
  void constraints_sendJobsOnlyToWorkersWhoseLabelsMatch() {
    RecordingLink eu = worker("eu", Map.of("zone", "eu"));
    RecordingLink gpu = worker("gpu", Map.of("zone", "us", "gpu", "a100"));
    String anyGpu = h.submit(constrained(Map.of("gpu", "*")));
    String inEu = h.submit(constrained(Map.of("zone", "eu")));
    String tpu = h.submit(constrained(Map.of("tpu", "v5")));
    String plain = h.submit(constrained(Map.of()));
    assertEquals("gpu", h.job(anyGpu).getWorker());
    assertEquals("eu", h.job(inEu).getWorker());
    assertEquals(JOB_STATE_RUNNING, h.job(plain).getState(), "a job no worker may take holds back nothing");
    assertEquals(JOB_STATE_PENDING, h.job(tpu).getState());
    assertEquals("no connected worker of type 't' meets the constraint tpu=v5 (2 of that type connected)",
        h.job(tpu).getPendingReason());
    assertEquals(Map.of("zone", "eu"), listWorkers().get("eu"));
    RecordingLink tpuWorker = worker("tpu", Map.of("tpu", "v5"));
    assertEquals("tpu", h.job(tpu).getWorker());
    assertTrue(eu.leases().size() + gpu.leases().size() + tpuWorker.leases().size() >= 3);
  }

  Map<String, Map<String, String>> listWorkers() {
    Captured<dev.spc.proto.ListWorkersResponse> r = new Captured<>();
    h.feed(new Msg.ListWorkers(r));
    Map<String, Map<String, String>> out = new java.util.HashMap<>();
    r.get().getWorkersList().forEach(w -> out.put(w.getName(), w.getLabelsMap()));
    return out;
  }

  @Test
  void badLabelsOrConstraints_areRefused() {
    assertTrue(h.trySubmit(constrained(Map.of("bad key", "x"))).failure.message()
        .startsWith("job.constraints has a bad key 'bad key'"));
    RecordingLink link = new RecordingLink("w");
    h.feed(new Msg.WorkerRegister(link, Register.newBuilder().setName("w").setSlots(1)
        .addJobTypes("t").putLabels("zone", "x".repeat(300)).build()));
    assertEquals("register.labels['zone'] is 300 characters, limit 255", link.closedWith.message());
  }

  Captured<RateLimit> rate(double perSecond, int burst) {
    Captured<RateLimit> r = new Captured<>();
    h.feed(new Msg.SetRateLimit(SetRateLimitRequest.newBuilder().setType("t").setPerSecond(perSecond)
        .setBurst(burst).build(), r));
    return r;
  }

  @Test
  void aRateLimit_startsNoMoreThanTheBucketAllows_andWakesForTheNextToken() {
    rate(2, 3).get();
    RecordingLink w = h.register("w", 100, "t");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(h.submit(JobSpec.newBuilder().setType("t").addArgs("j" + i).build()));
    }
    assertEquals(3, w.leases().size(), "the burst");
    assertTrue(h.job(ids.get(3)).getPendingReason().startsWith("held back by the rate limit of type 't' (2.0/s"));
    // Over 5 s at 2/s: 10 more, never more than the bucket allows at any moment.
    for (int i = 1; i <= 50; i++) {
      h.clock.advance(Duration.ofMillis(100));
      if (h.c.nanosToNextTimer() == 0) {
        h.c.fireTimers();
        h.c.afterBatch();
      }
      long started = w.leases().size();
      assertTrue(started <= 3 + (i * 100) / 500, "at " + i * 100 + " ms: " + started);
    }
    assertEquals(13, w.leases().size());
    Captured<RateLimit> bad = rate(0, 1);
    assertEquals("per_second must be above 0 and at most 1000000, got 0.0", bad.failure.message());
    Captured<RateLimit> removed = new Captured<>();
    h.feed(new Msg.SetRateLimit(SetRateLimitRequest.newBuilder().setType("t").setRemove(true).build(), removed));
    h.feed(new Msg.Tick());
    assertEquals(20, w.leases().size(), "no limit: everything starts");
  }

  @Test
  void rateLimits_surviveARestart_andRemovingOneIsStoredToo() {
    DurableCoordinatorTest.FakeStore store = new DurableCoordinatorTest.FakeStore();
    Harness d = new Harness(CoordinatorConfig.defaults(), store);
    d.feed(new Msg.SetRateLimit(SetRateLimitRequest.newBuilder().setType("t").setPerSecond(2.5)
        .setBurst(4).build(), new Captured<>()));
    d.feed(new Msg.SetRateLimit(SetRateLimitRequest.newBuilder().setType("u").setPerSecond(1).build(),
        new Captured<>()));
    d.feed(new Msg.SetRateLimit(SetRateLimitRequest.newBuilder().setType("u").setRemove(true).build(),
        new Captured<>()));
    store.applyQueued();
    d.feed(new Msg.Committed(store.lastBatch));
    d.restart(store.sorted(), List.of(), store.settings);
    Captured<dev.spc.proto.ListLimitsResponse> r = new Captured<>();
    d.feed(new Msg.ListLimits(r));
    assertEquals(1, r.get().getRatesCount(), r.get().toString());
    RateLimit t = r.get().getRates(0);
    assertEquals("t", t.getType());
    assertEquals(2.5, t.getPerSecond());
    assertEquals(4, t.getBurst());
    assertEquals(4.0, t.getTokens(), "a bucket starts full");
  }

  Captured<SignalJobResponse> signal(String id, String name) {
    Captured<SignalJobResponse> r = new Captured<>();
    h.feed(new Msg.SignalJob(SignalJobRequest.newBuilder().setJobId(id).setSignal(name).build(), true, r));
    return r;
  }

  @Test
  void signals_reachTheRunningJobsWorker_andAreRefusedForOthers() {
    RecordingLink w = h.register("w", 1, "t", "exec");
    String running = h.submit(JobSpec.newBuilder().setType("exec").addArgs("sleep").build());
    String pending = h.submit(JobSpec.newBuilder().setType("t").build());
    assertEquals("w", signal(running, "HUP").get().getWorker());
    List<JobSignal> got = w.sent.stream().filter(m -> m.hasSignals())
        .flatMap(m -> m.getSignals().getSignalsList().stream()).toList();
    assertEquals(1, got.size());
    assertEquals("HUP", got.get(0).getSignal());
    assertEquals(w.leaseFor(running), got.get(0).getLeaseId());
    assertEquals("signal must be one of HUP, INT, USR1, USR2, TERM for an exec job, got 'KILL'",
        signal(running, "KILL").failure.message());
    Failure f = signal(pending, "HUP").failure;
    assertEquals(Failure.Code.FAILED_PRECONDITION, f.code());
    h.cancel(running);
    assertEquals(Failure.Code.FAILED_PRECONDITION, signal(running, "HUP").failure.code(), "a finished job");
    assertEquals(Failure.Code.NOT_FOUND, signal(running.substring(0, running.lastIndexOf('-') + 1) + "99999", "HUP").failure.code());
  }

  @Test
  void aSignalForALeaseHeldBackByFlowControl_followsTheLeaseWhenTheStreamIsReady() {
    RecordingLink w = h.register("w", 1, "t");
    w.ready = false;
    String id = h.submit("t");
    assertEquals("w", signal(id, "reload").get().getWorker(), "taken: the job is running");
    assertTrue(w.sent.stream().noneMatch(m -> m.hasSignals() || m.hasLeases()), "nothing before the lease");
    w.ready = true;
    h.feed(new Msg.WorkerReady(w));
    List<String> order = w.sent.stream().filter(m -> m.hasSignals() || m.hasLeases())
        .map(m -> m.hasLeases() ? "lease" : "signal:" + m.getSignals().getSignals(0).getSignal()).toList();
    assertEquals(List.of("lease", "signal:reload"), order);
  }
}
