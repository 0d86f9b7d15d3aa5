package dev.spc.server.loop;

import static dev.spc.proto.DoneReason.DONE_REASON_CANCELLED;
import static dev.spc.proto.DoneReason.DONE_REASON_DONE;
import static dev.spc.proto.JobState.JOB_STATE_BLOCKED;
import static dev.spc.proto.JobState.JOB_STATE_DONE;
import static dev.spc.proto.JobState.JOB_STATE_PENDING;
import static dev.spc.proto.JobState.JOB_STATE_RUNNING;
import static dev.spc.proto.JobState.JOB_STATE_SCHEDULED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.DependencyFailure;
import dev.spc.proto.Job;
import dev.spc.proto.JobSpec;
import dev.spc.proto.Lease;
import dev.spc.proto.Outcome;
import dev.spc.proto.Stats;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Dependencies: links cancel down the graph, monitors run whatever happened, outcomes travel. */
class DependenciesTest {
  final Harness h = new Harness();

  static JobSpec.Builder t(String arg) {
    return JobSpec.newBuilder().setType("t").addArgs(arg);
  }

  long leaseOf(RecordingLink w, String id) {
    return w.leaseFor(id);
  }

  @Test
  void aBatchDag_runsInOrder_andHandsEachJobItsDependenciesOutcomes() {
    RecordingLink w = h.register("w", 8, "t");
    List<String> ids = h.trySubmitBatch(t("a").build(), t("b").addDependsOnIndex(0).build(),
        t("c").addDependsOnIndex(0).addDependsOnIndex(1).build()).get();
    assertEquals(JOB_STATE_RUNNING, h.job(ids.get(0)).getState());
    Job b = h.job(ids.get(1));
    assertEquals(JOB_STATE_BLOCKED, b.getState());
    assertEquals("waiting for 1 of 1 dependencies: " + ids.get(0), b.getPendingReason());
    assertEquals(List.of(ids.get(0)), b.getSpec().getDependsOnList(), "indexes stored as ids");
    assertEquals(0, b.getSpec().getDependsOnIndexCount());
    h.result(w, leaseOf(w, ids.get(0)), Outcome.OUTCOME_SUCCEEDED, "", "out-a");
    assertEquals(JOB_STATE_RUNNING, h.job(ids.get(1)).getState());
    assertEquals(JOB_STATE_BLOCKED, h.job(ids.get(2)).getState());
    Lease lb = w.leases().stream().filter(l -> l.getJobId().equals(ids.get(1))).findFirst().orElseThrow();
    assertEquals(1, lb.getDependenciesCount());
    assertEquals("out-a", lb.getDependencies(0).getResult().toStringUtf8());
    assertEquals(DONE_REASON_DONE, lb.getDependencies(0).getDoneReason());
    h.result(w, leaseOf(w, ids.get(1)), Outcome.OUTCOME_SUCCEEDED, "", "out-b");
    Lease lc = w.leases().stream().filter(l -> l.getJobId().equals(ids.get(2))).findFirst().orElseThrow();
    assertEquals(List.of("out-a", "out-b"), lc.getDependenciesList().stream()
        .map(d -> d.getResult().toStringUtf8()).toList());
  }

  @Test
  void resultsOverTheLeaseBudget_areLeftOut_andSaySo() {
    RecordingLink w = h.register("w", 8, "t");
    String big = "x".repeat(1 << 20);
    List<String> ids = h.trySubmitBatch(t("a").build(), t("b").build(), t("c").build(), t("d").build(),
        t("e").build(), t("all").addDependsOnIndex(0).addDependsOnIndex(1).addDependsOnIndex(2)
            .addDependsOnIndex(3).addDependsOnIndex(4).build()).get();
    for (int i = 0; i < 5; i++) {
      h.result(w, leaseOf(w, ids.get(i)), Outcome.OUTCOME_SUCCEEDED, "", big);
    }
    Lease l = w.leases().stream().filter(x -> x.getJobId().equals(ids.get(5))).findFirst().orElseThrow();
    assertEquals(List.of(false, false, false, false, true), l.getDependenciesList().stream()
        .map(d -> d.getResultLeftOut()).toList(), "4 MiB in all, counting each result's size");
    Job shown = h.job(ids.get(5));
    assertEquals(1, shown.getDependenciesList().stream().filter(d -> !d.getResultLeftOut()).count());
  }

  @Test
  void aLink_cancelsThroughThreeLevels_atOnce_whileTheIndependentBranchRuns() {
    RecordingLink w = h.register("w", 8, "t");
    List<String> ids = h.trySubmitBatch(t("root").build(), t("l1").addDependsOnIndex(0).build(),
        t("l2").addDependsOnIndex(1).build(), t("l3").addDependsOnIndex(2).build(),
        t("other").build(), t("after-other").addDependsOnIndex(4).build()).get();
    h.result(w, leaseOf(w, ids.get(0)), Outcome.OUTCOME_FAILED, "boom", "");
    for (int i = 1; i <= 3; i++) {
      Job j = h.job(ids.get(i));
      assertEquals(JOB_STATE_DONE, j.getState(), "level " + i);
      assertEquals(DONE_REASON_CANCELLED, j.getDoneReason());
      assertTrue(j.getError().startsWith("cancelled: dependency " + ids.get(i - 1) + " ended "),
          j.getError());
    }
    assertEquals("cancelled: dependency " + ids.get(0) + " ended CRASHED (boom)", h.job(ids.get(1)).getError());
    h.succeed(w, leaseOf(w, ids.get(4)));
    assertEquals(JOB_STATE_RUNNING, h.job(ids.get(5)).getState());
    assertEquals(0, h.job(ids.get(3)).getAttempt(), "a cancelled dependent never ran");
  }

  @Test
  void aMonitor_runsOnceAllAreDone_whateverTheirOutcomes() {
    RecordingLink w = h.register("w", 8, "t");
    String a = h.submit(t("a").build());
    String b = h.submit(t("b").build());
    String m = h.submit(t("m").addDependsOn(a).addDependsOn(b)
        .setOnDependencyFailure(DependencyFailure.DEPENDENCY_FAILURE_RUN).build());
    h.cancel(a);
    assertEquals(JOB_STATE_BLOCKED, h.job(m).getState(), "still waits for b");
    assertEquals("waiting for 1 of 2 dependencies: " + b, h.job(m).getPendingReason());
    h.result(w, leaseOf(w, b), Outcome.OUTCOME_FAILED, "bad", "");
    assertEquals(JOB_STATE_RUNNING, h.job(m).getState());
    Job mj = h.job(m);
    assertEquals(DONE_REASON_CANCELLED, mj.getDependencies(0).getDoneReason());
    assertEquals("bad", mj.getDependencies(1).getError());
  }

  @Test
  void onAJobAlreadyDone_itsOutcomeAppliesAtOnce() {
    RecordingLink w = h.register("w", 8, "t");
    String ok = h.submit(t("ok").build());
    h.succeed(w, leaseOf(w, ok));
    String cancelled = h.submit(JobSpec.newBuilder().setType("nobody").build());
    h.cancel(cancelled);
    assertEquals(JOB_STATE_RUNNING, h.job(h.submit(t("x").addDependsOn(ok).build())).getState());
    Job linked = h.job(h.submit(t("y").addDependsOn(ok).addDependsOn(cancelled).build()));
    assertEquals(JOB_STATE_DONE, linked.getState());
    assertEquals("cancelled: dependency " + cancelled + " ended CANCELLED (cancelled)", linked.getError());
  }

  @Test
  void cancellingABlockedJob_cancelsItsDependents_andCountsKeepStep() {
    h.register("w", 1, "t");
    String busy = h.submit(t("busy").build());
    String x = h.submit(t("x").addDependsOn(busy).build());
    String y = h.submit(t("y").addDependsOn(x).build());
    Captured<Stats> s = new Captured<>();
    h.feed(new Msg.GetStats(s));
    assertEquals(2, s.get().getBlocked());
    h.cancel(x);
    assertEquals(DONE_REASON_CANCELLED, h.job(y).getDoneReason());
    Captured<Stats> s2 = new Captured<>();
    h.feed(new Msg.GetStats(s2));
    assertEquals(0, s2.get().getBlocked());
  }

  @Test
  void aDependentWithAStartTime_isScheduledWhenUnblocked() {
    RecordingLink w = h.register("w", 8, "t");
    String a = h.submit(t("a").build());
    String b = h.submit(t("b").addDependsOn(a)
        .setStartAfter(com.google.protobuf.Duration.newBuilder().setSeconds(60)).build());
    h.succeed(w, leaseOf(w, a));
    assertEquals(JOB_STATE_SCHEDULED, h.job(b).getState());
    h.advance(java.time.Duration.ofSeconds(61), w);
    assertEquals(JOB_STATE_RUNNING, h.job(b).getState());
  }

  @Test
  void badDependencies_areRefused_namingTheField_andAddNothing() {
    String problem = h.trySubmitBatch(t("a").build(), t("b").addDependsOnIndex(1).build()).failure.message();
    assertEquals("jobs[1].depends_on_index[0] must name an earlier job of the batch (0 to 0), got 1", problem);
    assertTrue(h.trySubmit(t("a").addDependsOn("nonsense").build()).failure.message()
        .startsWith("job.depends_on[0]: "));
    String known = h.submit(t("known").build());
    String unknown = known.substring(0, known.lastIndexOf('-') + 1) + "99999";
    assertEquals("job.depends_on[1] '" + unknown + "' is unknown (never issued, or forgotten after the"
        + " retention period)", h.trySubmit(t("a").addDependsOn(known).addDependsOn(unknown).build())
            .failure.message());
    JobSpec.Builder many = t("m");
    for (int i = 0; i < 101; i++) {
      many.addDependsOnIndex(0);
    }
    assertEquals("jobs[1] has 101 dependencies (depends_on and depends_on_index), limit 100",
        h.trySubmitBatch(t("a").build(), many.build()).failure.message());
    Captured<Stats> s = new Captured<>();
    h.feed(new Msg.GetStats(s));
    assertEquals(1, s.get().getSubmittedTotal(), "nothing added but the known one");
  }

  @Test
  void blockedJobs_waitAgainAfterARestart_andRunWhenTheirDependencyEnds() {
    DurableCoordinatorTest.FakeStore store = new DurableCoordinatorTest.FakeStore();
    Harness d = new Harness(CoordinatorConfig.defaults(), store);
    Captured<List<String>> ca = d.trySubmit(t("a").build());
    store.applyQueued();
    d.feed(new Msg.Committed(store.lastBatch));
    String a = ca.get().get(0);
    Captured<List<String>> cb = d.trySubmitBatch(t("b").addDependsOn(a).build(),
        t("b2").addDependsOnIndex(0).build(), t("b3").addDependsOnIndex(1).build());
    store.applyQueued();
    d.feed(new Msg.Committed(store.lastBatch));
    String b = cb.get().get(0);
    String b3 = cb.get().get(2);
    d.restart(store.sorted(), List.of(), store.settings);
    assertEquals(JOB_STATE_BLOCKED, d.job(b).getState());
    assertEquals(JOB_STATE_PENDING, d.job(a).getState());
    RecordingLink w = d.register("w", 4, "t");
    store.applyQueued();
    d.feed(new Msg.Committed(store.lastBatch));
    d.succeed(w, w.leaseFor(a));
    store.applyQueued();
    d.feed(new Msg.Committed(store.lastBatch));
    assertEquals(JOB_STATE_RUNNING, d.job(b).getState());
    assertEquals(JOB_STATE_BLOCKED, d.job(b3).getState(), "blocked jobs are not done ones");
    assertEquals("waiting for 1 of 1 dependencies: " + cb.get().get(1), d.job(b3).getPendingReason());
  }
}
