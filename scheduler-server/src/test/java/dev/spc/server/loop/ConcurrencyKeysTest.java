package dev.spc.server.loop;

import static dev.spc.proto.JobState.JOB_STATE_PENDING;
import static dev.spc.proto.JobState.JOB_STATE_RUNNING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.ConcurrencyLimit;
import dev.spc.proto.Job;
import dev.spc.proto.JobSpec;
import dev.spc.proto.ListLimitsResponse;
import dev.spc.proto.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Concurrency keys: a mutex never admits two, limits change under running jobs, order holds. */
class ConcurrencyKeysTest {
  Harness h = new Harness();

  static JobSpec keyed(String key, int priority, String arg) {
    return JobSpec.newBuilder().setType("t").setConcurrencyKey(key).setPriority(priority).addArgs(arg).build();
  }

  Captured<ConcurrencyLimit> limit(String key, int n) {
    Captured<ConcurrencyLimit> r = new Captured<>();
    h.feed(new Msg.SetConcurrencyLimit(key, n, r));
    return r;
  }

  /** Jobs running now, by key, from the coordinator's own view. */
  Map<String, Integer> runningByKey(List<String> ids) {
    Map<String, Integer> out = new HashMap<>();
    for (String id : ids) {
      Job j = h.job(id);
      if (j.getState() == JOB_STATE_RUNNING) {
        out.merge(j.getSpec().getConcurrencyKey(), 1, Integer::sum);
      }
    }
    return out;
  }

  @Test
  void aMutex_neverAdmitsTwo_underRandomFinishesAndCancels_whileOtherKeysAndJobsRun() {
    RecordingLink w1 = h.register("w1", 8, "t");
    RecordingLink w2 = h.register("w2", 8, "t");
    SplittableRandom rnd = new SplittableRandom(7);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      ids.add(h.submit(keyed(i % 3 == 0 ? "" : "k" + (i % 2), rnd.nextInt(3), "j" + i)));
    }
    int unkeyedRunningMax = 0;
    for (int step = 0; step < 200; step++) {
      Map<String, Integer> running = runningByKey(ids);
      assertTrue(running.getOrDefault("k0", 0) <= 1 && running.getOrDefault("k1", 0) <= 1, running.toString());
      unkeyedRunningMax = Math.max(unkeyedRunningMax, running.getOrDefault("", 0));
      List<String> live = ids.stream().filter(id -> h.job(id).getState() == JOB_STATE_RUNNING).toList();
      if (live.isEmpty()) {
        break;
      }
      String pick = live.get(rnd.nextInt(live.size()));
      RecordingLink on = h.job(pick).getWorker().equals("w1") ? w1 : w2;
      if (rnd.nextInt(4) == 0) {
        h.cancel(pick);
        h.result(on, on.lastLeaseFor(pick), Outcome.OUTCOME_STOPPED, "", ""); // the agent confirms
      } else {
        h.result(on, on.lastLeaseFor(pick), Outcome.OUTCOME_SUCCEEDED, "", "");
      }
    }
    assertTrue(unkeyedRunningMax > 1, "jobs without a key were not held back");
    List<String> left = ids.stream().filter(id -> h.job(id).getState() != dev.spc.proto.JobState.JOB_STATE_DONE)
        .map(id -> id + " " + h.job(id).getState() + " " + h.job(id).getPendingReason()).toList();
    assertEquals(List.of(), left);
  }

  @Test
  void theNextInPriorityOrder_startsWhenTheSlotFrees_andAHeldJobSaysWhy() {
    RecordingLink w = h.register("w", 8, "t");
    String first = h.submit(keyed("db", 0, "first"));
    String low = h.submit(keyed("db", 0, "low"));
    String high = h.submit(keyed("db", 5, "high"));
    String free = h.submit(keyed("", 0, "free"));
    assertEquals(JOB_STATE_RUNNING, h.job(first).getState());
    assertEquals(JOB_STATE_RUNNING, h.job(free).getState(), "a held key holds back nothing else");
    Job held = h.job(low);
    assertEquals(JOB_STATE_PENDING, held.getState());
    assertEquals("held back by its concurrency key 'db': 1 of 1 running, 2 waiting", held.getPendingReason());
    h.succeed(w, w.leaseFor(first));
    assertEquals(JOB_STATE_RUNNING, h.job(high).getState(), "higher priority first");
    assertEquals(JOB_STATE_PENDING, h.job(low).getState());
    h.succeed(w, w.leaseFor(high));
    assertEquals(JOB_STATE_RUNNING, h.job(low).getState());
  }

  @Test
  void raisingTheLimit_startsMoreAtOnce_andLoweringIt_letsRunningJobsFinish() {
    RecordingLink w = h.register("w", 8, "t");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(h.submit(keyed("k", 0, "j" + i)));
    }
    assertEquals(Map.of("k", 1), runningByKey(ids));
    ConcurrencyLimit l = limit("k", 3).get();
    assertEquals(3, l.getLimit());
    assertEquals(1, l.getRunning(), "answered before the two let go start");
    assertEquals(3, l.getWaiting(), "5 held, 2 let go");
    assertEquals(Map.of("k", 3), runningByKey(ids));
    limit("k", 1).get();
    assertEquals(Map.of("k", 3), runningByKey(ids), "running jobs are not stopped");
    List<String> running = ids.stream().filter(id -> h.job(id).getState() == JOB_STATE_RUNNING).toList();
    h.succeed(w, w.leaseFor(running.get(0)));
    h.succeed(w, w.leaseFor(running.get(1)));
    assertEquals(Map.of("k", 1), runningByKey(ids), "nothing new starts until below the new limit");
    h.succeed(w, w.leaseFor(running.get(2)));
    assertEquals(Map.of("k", 1), runningByKey(ids));
  }

  @Test
  void badLimits_areRefused_namingTheField() {
    assertEquals("limit must be between 1 and 100000, got 0", limit("k", 0).failure.message());
    assertEquals("key must not be empty", limit("", 2).failure.message());
    assertEquals("job.concurrency_key is 256 characters, limit 255",
        h.trySubmit(keyed("x".repeat(256), 0, "")).failure.message());
  }

  @Test
  void limits_surviveARestart_andRunningJobsStillCount() {
    DurableCoordinatorTest.FakeStore store = new DurableCoordinatorTest.FakeStore();
    h = new Harness(CoordinatorConfig.defaults(), store);
    h.feed(new Msg.SetConcurrencyLimit("k", 2, new Captured<>()));
    h.register("w", 8, "t");
    List<Captured<List<String>>> submits = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      submits.add(h.trySubmit(keyed("k", 0, "j" + i)));
    }
    store.applyQueued();
    h.feed(new Msg.Committed(store.lastBatch));
    List<String> ids = submits.stream().map(c -> c.get().get(0)).toList();
    assertEquals("2", store.settings.get(ConcurrencyKeys.SETTING + "k"));
    h.restart(store.sorted(), List.of(), store.settings);
    Captured<ListLimitsResponse> r = new Captured<>();
    h.feed(new Msg.ListLimits(r));
    ConcurrencyLimit k = r.get().getConcurrency(0);
    assertEquals(2, k.getLimit());
    assertEquals(2, k.getRunning(), "the jobs running before the restart hold their slots");
    h.register("w2", 8, "t");
    assertEquals(Map.of("k", 2), runningByKey(ids));
  }
}
