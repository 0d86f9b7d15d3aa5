package dev.spc.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.JobResult;
import dev.spc.proto.JobSpec;
import dev.spc.proto.Lease;
import dev.spc.proto.Outcome;
import dev.spc.proto.WorkerMessage;
import dev.spc.worker.JobHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AgentStateTest {
  final ScheduledExecutorService agentThread = Executors.newSingleThreadScheduledExecutor();
  final ThreadPoolExecutor slots = (ThreadPoolExecutor) Executors.newFixedThreadPool(8);
  final List<WorkerMessage> sent = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    agentThread.shutdownNow();
    slots.shutdownNow();
  }

  @Test
  void largeResultsFinishingTogether_goInSeveralMessagesTheCoordinatorAccepts_noneLost() throws Exception {
    AgentState state = new AgentState("w", 8, Duration.ofSeconds(1), agentThread, slots,
        m -> sent.add(m), () -> { });
    agentThread.submit(() -> state.connected(true)).get();
    CountDownLatch returned = new CountDownLatch(8);
    JobHandler big = ctx -> {
      ctx.setResult(new byte[900 * 1024]); // under the 1 MiB result limit; 8 of them are 7 MiB
      returned.countDown();
    };
    List<Lease> leases = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      leases.add(Lease.newBuilder().setLeaseId(i).setJobId("j" + i)
          .setSpec(JobSpec.newBuilder().setType("big")).build());
    }
    // Hold the agent thread until every job has finished, so their outcomes meet in one flush.
    agentThread.submit(() -> {
      state.start(leases, Map.of("big", big), false);
      try {
        assertTrue(returned.await(10, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (slots.getActiveCount() > 0 && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }).get();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (results().size() < 8 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(8, results().size(), "every result sent, once");
    assertTrue(results().stream().allMatch(r -> r.getOutcome() == Outcome.OUTCOME_SUCCEEDED));
    long messages = sent.stream().filter(WorkerMessage::hasResults).count();
    assertTrue(messages >= 3, "split: " + messages + " messages");
    for (WorkerMessage m : sent) {
      assertTrue(m.getSerializedSize() <= 4 << 20, "a message of " + m.getSerializedSize() + " bytes");
    }
  }

  @Test
  void resultsNotConfirmedBeforeTheStreamEnds_areSentAgainOnTheNext_confirmedOnesAreNot() throws Exception {
    AgentState state = new AgentState("w", 4, Duration.ofSeconds(1), agentThread, slots,
        m -> sent.add(m), () -> { });
    agentThread.submit(() -> state.connected(true)).get();
    JobHandler quick = ctx -> ctx.setResult("ok");
    runAndWait(state, quick, 1, 2);
    long firstSeq = lastSeq();
    agentThread.submit(() -> state.resultsTaken(firstSeq)).get();
    runAndWait(state, quick, 3);
    assertEquals(1, agentThread.submit(state::unconfirmedResults).get(), "lease 3 not confirmed yet");
    assertEquals(List.of(3L), agentThread.submit(state::resultLeases).get(), "what Register reports");

    sent.clear();
    agentThread.submit(() -> state.connected(false)).get(); // the coordinator crashed
    assertEquals(List.of(3L), agentThread.submit(state::resultLeases).get(), "still owed");
    agentThread.submit(() -> state.connected(true)).get(); // and is back
    assertEquals(List.of(3L), results().stream().map(JobResult::getLeaseId).toList(),
        "only the unconfirmed result goes again");
    assertTrue(lastSeq() > firstSeq, "under a new number");
  }

  @Test
  void aJobPastItsMaxSeconds_isStoppedByTheAgentItself_andReportedTimedOut() throws Exception {
    AgentState state = new AgentState("w", 2, Duration.ofSeconds(1), agentThread, slots,
        m -> sent.add(m), () -> { });
    agentThread.submit(() -> state.connected(true)).get();
    // Nobody tells this agent to stop the job (its coordinator is away): it must do so itself.
    var unused = agentThread.scheduleAtFixedRate(state::enforceDeadlines, 20, 20, TimeUnit.MILLISECONDS);
    JobHandler slow = ctx -> {
      if (!ctx.awaitCancellation(Duration.ofSeconds(30))) {
        ctx.setResult("ran to its end");
      }
    };
    Lease lease = Lease.newBuilder().setLeaseId(1).setJobId("j1").setMaxSeconds(1)
        .setSpec(JobSpec.newBuilder().setType("slow")).build();
    Lease roomy = Lease.newBuilder().setLeaseId(2).setJobId("j2").setMaxSeconds(3600)
        .setSpec(JobSpec.newBuilder().setType("quick")).build();
    long started = System.nanoTime();
    agentThread.submit(() -> state.start(List.of(lease, roomy),
        Map.of("slow", slow, "quick", ctx -> ctx.setResult("ok")), false)).get();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (results().size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(2, results().size(), "both reported");
    JobResult timedOut = results().stream().filter(r -> r.getLeaseId() == 1).findFirst().orElseThrow();
    assertEquals(Outcome.OUTCOME_TIMED_OUT, timedOut.getOutcome());
    assertEquals("exceeded max_seconds=1", timedOut.getError());
    assertTrue(System.nanoTime() - started >= TimeUnit.SECONDS.toNanos(1), "not before its time");
    JobResult other = results().stream().filter(r -> r.getLeaseId() == 2).findFirst().orElseThrow();
    assertEquals(Outcome.OUTCOME_SUCCEEDED, other.getOutcome(), "a job within its time is untouched");
  }

  void runAndWait(AgentState state, JobHandler handler, long... leaseIds) throws Exception {
    List<Lease> leases = new ArrayList<>();
    for (long id : leaseIds) {
      leases.add(Lease.newBuilder().setLeaseId(id).setJobId("j" + id)
          .setSpec(JobSpec.newBuilder().setType("q")).build());
    }
    int before = results().size();
    agentThread.submit(() -> state.start(leases, Map.of("q", handler), false)).get();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (results().size() < before + leaseIds.length && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(before + leaseIds.length, results().size());
  }

  long lastSeq() {
    return sent.stream().filter(WorkerMessage::hasResults).mapToLong(m -> m.getResults().getSeq())
        .max().orElse(0);
  }

  List<JobResult> results() {
    List<JobResult> out = new ArrayList<>();
    for (WorkerMessage m : sent) {
      if (m.hasResults()) {
        out.addAll(m.getResults().getResultsList());
      }
    }
    return out;
  }
}
