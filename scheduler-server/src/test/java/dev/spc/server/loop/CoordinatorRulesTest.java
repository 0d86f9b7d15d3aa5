package dev.spc.server.loop;

import static dev.spc.proto.DoneReason.DONE_REASON_CANCELLED;
import static dev.spc.proto.DoneReason.DONE_REASON_CRASHED;
import static dev.spc.proto.DoneReason.DONE_REASON_DONE;
import static dev.spc.proto.DoneReason.DONE_REASON_TIMEOUT;
import static dev.spc.proto.JobState.JOB_STATE_DONE;
import static dev.spc.proto.JobState.JOB_STATE_PENDING;
import static dev.spc.proto.JobState.JOB_STATE_RUNNING;
import static dev.spc.proto.JobState.JOB_STATE_UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.Job;
import dev.spc.proto.JobSpec;
import dev.spc.proto.Lease;
import dev.spc.proto.ListWorkersResponse;
import dev.spc.proto.Outcome;
import dev.spc.proto.StopWorkerResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Rules 1-12 of docs/rules.md, one nested class per rule, on the bare state machine with a fake clock. */
class CoordinatorRulesTest {
  final Harness h = new Harness();

  @Nested
  class Rule1Add {
    @Test
    void addReturnsIdAtOnce_andJobStaysPendingWithoutAWorker() {
      String id = h.submit("echo", "hi");
      Job job = h.job(id);
      assertEquals(JOB_STATE_PENDING, job.getState());
      assertEquals("no connected worker handles type 'echo'", job.getPendingReason());
    }

    @Test
    void addToAnIdleWorker_isRunningAtOnce() {
      RecordingLink w = h.register("w1", 1, "echo");
      String id = h.submit("echo", "hi");
      Job job = h.job(id);
      assertEquals(JOB_STATE_RUNNING, job.getState());
      assertEquals("w1", job.getWorker());
      assertEquals(id, w.leases().get(0).getJobId());
      assertEquals(List.of("hi"), w.leases().get(0).getSpec().getArgsList());
    }

    @Test
    void pendingJob_isLeasedWhenAMatchingWorkerArrives() {
      String id = h.submit("echo");
      h.register("w1", 1, "other");
      assertEquals(JOB_STATE_PENDING, h.job(id).getState());
      h.register("w2", 1, "echo");
      assertEquals(JOB_STATE_RUNNING, h.job(id).getState());
    }

    @Test
    void pendingJob_onBusyWorker_saysItWaitsForASlot() {
      h.register("w1", 1, "echo");
      h.submit("echo");
      String second = h.submit("echo");
      assertEquals("waiting for a free slot on the worker that handles type 'echo'",
          h.job(second).getPendingReason());
    }

    @Test
    void oneBatch_sendsAllItsLeasesToAWorkerInOneMessage() {
      RecordingLink w = h.register("w1", 4, "noop");
      h.trySubmitBatch(Harness.spec("noop"), Harness.spec("noop"), Harness.spec("noop")).get();
      long leaseMessages = w.sent.stream().filter(m -> m.hasLeases()).count();
      assertEquals(1, leaseMessages);
      assertEquals(3, w.leases().size());
    }

    @Test
    void aWorkerThatStopsReading_getsNoMoreLeasesUntilItsStreamIsReady() {
      RecordingLink w = h.register("w", 4, "t");
      w.ready = false;
      String a = h.submit("t");
      assertTrue(w.leases().isEmpty(), "held back, not buffered in the transport");
      assertEquals(JOB_STATE_RUNNING, h.job(a).getState());
      String b = h.submit("t");
      h.cancel(b);
      assertTrue(w.stops().isEmpty(), "a lease never sent needs no stop order");
      w.ready = true;
      h.feed(new Msg.WorkerReady(w));
      assertEquals(List.of(a), w.leases().stream().map(l -> l.getJobId()).toList());
    }

    @Test
    void largeLeases_goInMessagesTheAgentAccepts_andOnlyWhileItsStreamIsReady() {
      com.google.protobuf.ByteString mib = com.google.protobuf.ByteString.copyFrom(new byte[1 << 20]);
      List<String> ids = new java.util.ArrayList<>();
      for (int i = 0; i < 16; i++) {
        ids.add(h.submit(JobSpec.newBuilder().setType("t").setPayload(mib).build()));
      }
      RecordingLink w = new RecordingLink("w");
      w.readyForMessages = 2;
      h.register(w, 16, "t"); // 16 MiB of leases at once
      for (var m : w.sent) {
        assertTrue(m.getSerializedSize() <= 4 << 20, "a message of " + m.getSerializedSize() + " bytes");
      }
      int sentBeforeReady = w.leases().size();
      assertTrue(sentBeforeReady < 16, "the rest wait for the stream: " + sentBeforeReady);
      w.ready = true;
      h.feed(new Msg.WorkerReady(w));
      assertEquals(ids, w.leases().stream().map(l -> l.getJobId()).toList(), "all, once, in order");
      assertTrue(w.sent.stream().filter(m -> m.hasLeases()).count() >= 6);
    }

    @Test
    void jobsSpreadOverWorkers() {
      RecordingLink a = h.register("a", 2, "noop");
      RecordingLink b = h.register("b", 2, "noop");
      h.trySubmitBatch(Harness.spec("noop"), Harness.spec("noop")).get();
      assertEquals(1, a.leases().size());
      assertEquals(1, b.leases().size());
    }
  }

  @Nested
  class Rule2Order {
    @Test
    void higherPriorityFirst_thenSubmissionOrder() {
      String low1 = h.submit(JobSpec.newBuilder().setType("t").setPriority(0).build());
      String high = h.submit(JobSpec.newBuilder().setType("t").setPriority(5).build());
      String low2 = h.submit(JobSpec.newBuilder().setType("t").setPriority(0).build());
      String neg = h.submit(JobSpec.newBuilder().setType("t").setPriority(-1).build());
      RecordingLink w = h.register("w", 1, "t");
      List<String> order = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Lease l = w.leases().get(i);
        order.add(l.getJobId());
        h.succeed(w, l.getLeaseId());
      }
      assertEquals(List.of(high, low1, low2, neg), order);
    }

    @Test
    void workerWithSeveralTypes_takesTheBestJobAcrossThem() {
      String a = h.submit(JobSpec.newBuilder().setType("a").setPriority(1).build());
      String b = h.submit(JobSpec.newBuilder().setType("b").setPriority(2).build());
      RecordingLink w = h.register("w", 1, "a", "b");
      assertEquals(b, w.leases().get(0).getJobId());
      h.succeed(w, w.leases().get(0).getLeaseId());
      assertEquals(a, w.leases().get(1).getJobId());
    }
  }

  @Nested
  class Rule3Status {
    @Test
    void unknownId_isUnknownAtOnce() {
      Job job = h.job("zzzz-1");
      assertEquals(JOB_STATE_UNKNOWN, job.getState());
      assertEquals("zzzz-1", job.getJobId());
    }

    @Test
    void idNeverIssuedByThisIncarnation_isUnknown() {
      String id = h.submit("t");
      String next = id.substring(0, id.indexOf('-') + 1) + "999";
      assertEquals(JOB_STATE_UNKNOWN, h.job(next).getState());
    }

    @Test
    void beyondTheRetainedCount_theOldestDoneJobsAreForgotten() {
      Harness small = new Harness(CoordinatorConfig.newBuilder().maxDoneJobs(2).build());
      String a = small.submit("t");
      String b = small.submit("t");
      String c = small.submit("t");
      small.cancel(a);
      small.cancel(b);
      assertEquals(DONE_REASON_CANCELLED, small.job(a).getDoneReason());
      small.cancel(c);
      assertEquals(JOB_STATE_UNKNOWN, small.job(a).getState());
      assertEquals(DONE_REASON_CANCELLED, small.job(b).getDoneReason());
      assertEquals(DONE_REASON_CANCELLED, small.job(c).getDoneReason());
      Captured<dev.spc.proto.Stats> stats = new Captured<>();
      small.feed(new Msg.GetStats(stats));
      assertEquals(2, stats.get().getDone(), "the done jobs held");
      assertEquals(3, stats.get().getFinishedTotal(), "every job that ended, the dropped one too");
      assertEquals(0, stats.get().getFinishedDoneTotal(), "none ended DONE");
    }

    @Test
    void doneJob_keepsItsDetail() {
      RecordingLink w = h.register("w", 1, "echo");
      String id = h.submit("echo", "a", "b");
      h.clock.advance(Duration.ofMillis(250));
      h.result(w, w.leaseFor(id), Outcome.OUTCOME_SUCCEEDED, "", "a b");
      Job job = h.job(id);
      assertEquals(JOB_STATE_DONE, job.getState());
      assertEquals(DONE_REASON_DONE, job.getDoneReason());
      assertEquals("a b", job.getResult().toStringUtf8());
      assertEquals("w", job.getWorker());
      assertTrue(job.hasSubmittedAt() && job.hasStartedAt() && job.hasFinishedAt());
      com.google.protobuf.Timestamp started = job.getStartedAt();
      com.google.protobuf.Timestamp finished = job.getFinishedAt();
      assertEquals(250_000_000L, (finished.getSeconds() - started.getSeconds()) * 1_000_000_000L
          + finished.getNanos() - started.getNanos());
    }
  }

  @Nested
  class Rule4Cancel {
    @Test
    void cancelPending_isCancelledAtOnce_andNeverLeased() {
      String id = h.submit("t");
      assertEquals(DONE_REASON_CANCELLED, h.cancel(id).getDoneReason());
      RecordingLink w = h.register("w", 1, "t");
      assertTrue(w.leases().isEmpty());
      assertEquals(DONE_REASON_CANCELLED, h.job(id).getDoneReason());
    }

    @Test
    void cancelRunningJob_marksCancelledAndFreesSlotWhenWorkerConfirms() {
      RecordingLink w = h.register("w", 1, "t");
      String first = h.submit("t");
      String second = h.submit("t");
      long lease = w.leaseFor(first);
      h.cancel(first);
      assertEquals(DONE_REASON_CANCELLED, h.job(first).getDoneReason());
      assertEquals(lease, w.stops().get(0).getLeaseId());
      assertEquals(JOB_STATE_PENDING, h.job(second).getState(), "slot still held until confirmed");
      h.result(w, lease, Outcome.OUTCOME_STOPPED, "stopped", "");
      assertEquals(DONE_REASON_CANCELLED, h.job(first).getDoneReason());
      assertEquals(JOB_STATE_RUNNING, h.job(second).getState());
    }

    @Test
    void aStoppedProcessesLastOutput_joinsTheDetail_butNeverTheOutcome() {
      RecordingLink w = h.register("w", 1, "exec");
      String id = h.submit("exec", "sleep", "100");
      long lease = w.leaseFor(id);
      h.cancel(id);
      h.feed(new Msg.WorkerResults(w, dev.spc.proto.JobResults.newBuilder().addResults(
          dev.spc.proto.JobResult.newBuilder().setLeaseId(lease).setOutcome(Outcome.OUTCOME_FAILED)
              .setExitCode(143).setOutputTail(com.google.protobuf.ByteString.copyFromUtf8("bye\n")))
          .build()));
      Job job = h.job(id);
      assertEquals(DONE_REASON_CANCELLED, job.getDoneReason());
      assertEquals(143, job.getExitCode());
      assertEquals("bye\n", job.getOutputTail().toStringUtf8());
    }

    @Test
    void cancelDoneJob_changesNothing() {
      RecordingLink w = h.register("w", 1, "t");
      String id = h.submit("t");
      h.succeed(w, w.leaseFor(id));
      var r = h.cancel(id);
      assertEquals(DONE_REASON_DONE, r.getDoneReason());
      assertEquals(DONE_REASON_DONE, h.job(id).getDoneReason());
      assertTrue(w.stops().isEmpty());
    }

    @Test
    void cancelUnknownId_succeeds() {
      assertEquals(JOB_STATE_UNKNOWN, h.cancel("abc-7").getState());
    }

    @Test
    void cancelInTheSameBatchAsTheLease_neverSendsIt() {
      RecordingLink w = h.register("w", 1, "t");
      Captured<List<String>> r = new Captured<>();
      h.c.handle(new Msg.Submit(List.of(Harness.spec("t")), false, r));
      h.c.afterBatch(); // leased and sent
      String id = r.get().get(0);
      String second = h.submit("t");
      assertEquals(JOB_STATE_PENDING, h.job(second).getState());
      h.cancel(id);
      assertEquals(1, w.stops().size());
    }
  }

  @Nested
  class Rule5Wait {
    @Test
    void everyWaiterIsAnswered_whenTheJobIsDone() {
      RecordingLink w = h.register("w", 1, "t");
      String id = h.submit("t");
      Captured<Job> a = h.waitFor(id);
      Captured<Job> b = h.waitFor(id);
      assertFalse(a.answered() || b.answered());
      h.succeed(w, w.leaseFor(id));
      assertEquals(DONE_REASON_DONE, a.get().getDoneReason());
      assertEquals(DONE_REASON_DONE, b.get().getDoneReason());
      assertEquals(0, h.c.waiterCount());
    }

    @Test
    void waitOnADoneJob_answersAtOnce() {
      String id = h.submit("t");
      h.cancel(id);
      assertEquals(DONE_REASON_CANCELLED, h.waitFor(id).get().getDoneReason());
    }

    @Test
    void waitOnAnUnknownId_isNotFound_neverAHang() {
      Captured<Job> r = h.waitFor("abc-1");
      assertEquals(Failure.Code.NOT_FOUND, r.failure.code());
      assertEquals("job 'abc-1' not found", r.failure.message());
    }

    @Test
    void abandonedWait_isForgotten() {
      String id = h.submit("t");
      Captured<Job> r = h.waitFor(id);
      h.feed(new Msg.WaitAbandoned(h.lastWaiterId()));
      assertEquals(0, h.c.waiterCount());
      h.cancel(id);
      assertFalse(r.answered());
    }
  }

  @Nested
  class Rule6WaitAny {
    @Test
    void returnsTheFirstToBeDone() {
      String a = h.submit("t");
      String b = h.submit("t");
      Captured<Job> r = h.waitFor(a, b);
      assertFalse(r.answered());
      h.cancel(b);
      assertEquals(b, r.get().getJobId());
      h.cancel(a);
      assertEquals(1, r.answers);
      assertEquals(0, h.c.waiterCount());
    }

    @Test
    void answersAtOnce_whenOneIsAlreadyDone() {
      String a = h.submit("t");
      String b = h.submit("t");
      h.cancel(b);
      assertEquals(b, h.waitFor(a, b).get().getJobId());
    }
  }

  @Nested
  class Rule7Timeout {
    @Test
    void atStartPlusMaxSeconds_jobIsTimeoutAndWorkerToldToStop() {
      RecordingLink w = h.register("w", 1, "t");
      h.advance(Duration.ofSeconds(5), w); // time before start does not count
      String id = h.submit(JobSpec.newBuilder().setType("t").setMaxSeconds(2).build());
      h.advance(Duration.ofMillis(1900), w);
      assertEquals(JOB_STATE_RUNNING, h.job(id).getState());
      h.advance(Duration.ofMillis(200), w);
      Job job = h.job(id);
      assertEquals(DONE_REASON_TIMEOUT, job.getDoneReason());
      assertEquals("exceeded max_seconds=2", job.getError());
      assertEquals(w.leaseFor(id), w.stops().get(0).getLeaseId());
    }

    @Test
    void aResultThatArrivesAfterTheDeadline_isTimeout_evenIfTheTickHasNotComeYet() {
      RecordingLink w = h.register("w", 1, "t");
      String id = h.submit(JobSpec.newBuilder().setType("t").setMaxSeconds(2).build());
      // The loop was frozen: no tick ran, and the result is the first thing it takes.
      h.clock.advance(Duration.ofSeconds(3));
      h.succeed(w, w.leaseFor(id));
      Job job = h.job(id);
      assertEquals(DONE_REASON_TIMEOUT, job.getDoneReason());
      assertEquals("exceeded max_seconds=2", job.getError());
      assertTrue(w.stops().isEmpty(), "it has ended on the agent: nothing to stop");
      assertEquals(JOB_STATE_RUNNING, h.job(h.submit("t")).getState(), "its slot is free");
    }

    @Test
    void anAgentThatEnforcedTheDeadlineItself_reportsTimeout() {
      RecordingLink w = h.register("w", 1, "t");
      String id = h.submit(JobSpec.newBuilder().setType("t").setMaxSeconds(2).build());
      h.advance(Duration.ofMillis(1500), w);
      h.result(w, w.leaseFor(id), dev.spc.proto.Outcome.OUTCOME_TIMED_OUT, "exceeded max_seconds=2", "");
      Job job = h.job(id);
      assertEquals(DONE_REASON_TIMEOUT, job.getDoneReason());
      assertEquals("exceeded max_seconds=2", job.getError());
    }

    @Test
    void maxSecondsZero_timesOutAsSoonAsItStarts() {
      String zero = h.submit(JobSpec.newBuilder().setType("t").setMaxSeconds(0).build());
      RecordingLink w = h.register("w", 1, "t");
      String next = h.submit("t");
      Job first = h.job(zero);
      assertEquals(DONE_REASON_TIMEOUT, first.getDoneReason());
      assertEquals("w", first.getWorker());
      assertEquals(JOB_STATE_RUNNING, h.job(next).getState(), "the slot was never used up");
      assertEquals(1, w.leases().size());
    }

    @Test
    void aDeadlineBelongsToOneRun_andNeverTouchesTheNextJobOnTheSlot() {
      RecordingLink w = h.register("w", 1, "t");
      String a = h.submit(JobSpec.newBuilder().setType("t").setMaxSeconds(2).build());
      String b = h.submit(JobSpec.newBuilder().setType("t").setMaxSeconds(10).build());
      h.advance(Duration.ofMillis(500), w);
      h.succeed(w, w.leaseFor(a));
      assertEquals(JOB_STATE_RUNNING, h.job(b).getState());
      h.advance(Duration.ofSeconds(3), w); // past a's deadline
      assertEquals(JOB_STATE_RUNNING, h.job(b).getState());
      assertTrue(w.stops().isEmpty());
    }

    @Test
    void absentMaxSeconds_usesTheDefault() {
      RecordingLink w = h.register("w", 1, "t");
      h.submit("t");
      assertEquals(3600, w.leases().get(0).getMaxSeconds());
    }
  }

  @Nested
  class Rule8Crash {
    @Test
    void handlerFailure_isCrashedWithTheError_andTheWorkerTakesTheNextJob() {
      RecordingLink w = h.register("w", 1, "t");
      String a = h.submit("t");
      String b = h.submit("t");
      h.result(w, w.leaseFor(a), Outcome.OUTCOME_FAILED, "IllegalStateException: boom", "");
      Job job = h.job(a);
      assertEquals(DONE_REASON_CRASHED, job.getDoneReason());
      assertEquals("IllegalStateException: boom", job.getError());
      assertEquals(JOB_STATE_RUNNING, h.job(b).getState());
    }
  }

  @Nested
  class Rule9Workers {
    @Test
    void secondRegistrationOfALiveName_isRefused() {
      h.register("w", 1, "t");
      RecordingLink dup = h.register("w", 1, "t");
      assertTrue(dup.closed);
      assertEquals(Failure.Code.ALREADY_EXISTS, dup.closedWith.code());
      assertEquals("worker name 'w' is taken by a connected worker", dup.closedWith.message());
    }

    @Test
    void nameOfALostWorker_mayBeUsedAgain() {
      RecordingLink first = h.register("w", 1, "t");
      h.feed(new Msg.WorkerGone(first, "test"));
      RecordingLink second = h.register("w", 1, "t");
      assertFalse(second.closed);
    }

    @Test
    void workerWithKSlots_runsUpToKJobsAtOnce() {
      RecordingLink w = h.register("w", 2, "t");
      String a = h.submit("t");
      String b = h.submit("t");
      String c = h.submit("t");
      assertEquals(JOB_STATE_RUNNING, h.job(a).getState());
      assertEquals(JOB_STATE_RUNNING, h.job(b).getState());
      assertEquals(JOB_STATE_PENDING, h.job(c).getState());
      h.succeed(w, w.leaseFor(a));
      assertEquals(JOB_STATE_RUNNING, h.job(c).getState());
    }

    @Test
    void slotsDefaultToOne() {
      RecordingLink w = h.register("w", 0, "t");
      h.submit("t");
      h.submit("t");
      assertEquals(1, w.leases().size());
    }

    @Test
    void workerIsLeasedOnlyTypesItRegistered() {
      RecordingLink w = h.register("w", 2, "a");
      h.submit("b");
      assertTrue(w.leases().isEmpty());
    }

    @Test
    void listWorkers_showsNameTypesSlotsAndRunningJobs() {
      h.register("w", 2, "a", "b");
      String id = h.submit("a");
      Captured<ListWorkersResponse> r = new Captured<>();
      h.feed(new Msg.ListWorkers(r));
      var worker = r.get().getWorkers(0);
      assertEquals("w", worker.getName());
      assertEquals(List.of("a", "b"), worker.getJobTypesList());
      assertEquals(2, worker.getSlots());
      assertEquals(List.of(id), worker.getRunningJobIdsList());
      assertTrue(worker.hasConnectedAt() && worker.hasLastHeartbeatAt());
    }
  }

  @Nested
  class Rule10StopWorker {
    @Test
    void runningJobsAreCancelled_thenTheWorkerIsToldToStopAndLeaves() {
      RecordingLink w = h.register("w", 2, "t");
      String a = h.submit("t");
      Captured<StopWorkerResponse> r = new Captured<>();
      h.feed(new Msg.StopWorker("w", false, r));
      assertEquals(List.of(a), r.get().getCancelledJobIdsList());
      Job job = h.job(a);
      assertEquals(DONE_REASON_CANCELLED, job.getDoneReason());
      assertEquals("worker stopped", job.getError());
      assertTrue(w.sent.get(w.sent.size() - 1).hasStopWorker());
      assertTrue(w.closed);
      assertEquals(null, w.closedWith);
      // the name is free again; a late result from the stopped worker changes nothing
      h.succeed(w, w.leaseFor(a));
      assertEquals(DONE_REASON_CANCELLED, h.job(a).getDoneReason());
      assertFalse(h.register("w", 1, "t").closed);
    }

    @Test
    void drainingAWorker_letsItsJobsFinish_andLeasesItNothingNew() {
      RecordingLink w = h.register("w", 2, "t");
      String a = h.submit("t");
      Captured<StopWorkerResponse> r = new Captured<>();
      h.feed(new Msg.StopWorker("w", true, r));
      assertEquals(List.of(), r.get().getCancelledJobIdsList());
      assertTrue(w.sent.get(w.sent.size() - 1).getStopWorker().getDrain());
      String b = h.submit("t");
      assertEquals(JOB_STATE_PENDING, h.job(b).getState(), "a draining worker takes nothing new");
      h.succeed(w, w.leaseFor(a));
      assertEquals(DONE_REASON_DONE, h.job(a).getDoneReason());
      assertEquals(JOB_STATE_PENDING, h.job(b).getState());
      assertFalse(w.closed);
    }

    @Test
    void anAgentsOwnDrain_isConfirmedAfterItsLeases_andHeldBackLeasesGoBackToPending() {
      RecordingLink w = h.register("w", 2, "t");
      String sent = h.submit("t");
      w.ready = false;
      String held = h.submit("t");
      assertEquals(JOB_STATE_RUNNING, h.job(held).getState());
      h.feed(new Msg.WorkerDraining(w));
      var last = w.sent.get(w.sent.size() - 1);
      assertTrue(last.hasStopWorker() && last.getStopWorker().getDrain(), "confirmed: " + last);
      assertEquals(List.of(sent), w.leases().stream().map(l -> l.getJobId()).toList());
      assertEquals(JOB_STATE_PENDING, h.job(held).getState(), "never sent, so pending again");
      RecordingLink other = h.register("other", 1, "t");
      assertEquals(held, other.leases().get(0).getJobId());
    }

    @Test
    void stoppingAWorkerThatIsGone_isANoOp() {
      RecordingLink w = h.register("w", 1, "t");
      h.feed(new Msg.WorkerGone(w, "test"));
      Captured<StopWorkerResponse> r = new Captured<>();
      h.feed(new Msg.StopWorker("w", false, r));
      assertEquals(0, r.get().getCancelledJobIdsCount());
    }

    @Test
    void unknownName_isNotFound() {
      Captured<StopWorkerResponse> r = new Captured<>();
      h.feed(new Msg.StopWorker("nobody", false, r));
      assertEquals(Failure.Code.NOT_FOUND, r.failure.code());
      assertEquals("worker 'nobody' not found", r.failure.message());
    }
  }

  @Nested
  class Rule11Heartbeats {
    @Test
    void silenceForTheTimeout_losesTheWorker_andItsJobsCrash() {
      RecordingLink w = h.register("w", 1, "t");
      String id = h.submit("t");
      h.advance(Duration.ofMillis(2900));
      assertEquals(JOB_STATE_RUNNING, h.job(id).getState());
      h.advance(Duration.ofMillis(200));
      Job job = h.job(id);
      assertEquals(DONE_REASON_CRASHED, job.getDoneReason());
      assertEquals("worker lost", job.getError());
      assertTrue(w.closed);
      assertEquals(Failure.Code.UNAVAILABLE, w.closedWith.code());
    }

    @Test
    void heartbeatsKeepAWorkerAlive() {
      RecordingLink w = h.register("w", 1, "t");
      String id = h.submit("t");
      h.advance(Duration.ofSeconds(30), w);
      assertEquals(JOB_STATE_RUNNING, h.job(id).getState());
    }

    @Test
    void streamEnd_losesTheWorkerAtOnce() {
      RecordingLink w = h.register("w", 1, "t");
      String id = h.submit("t");
      h.feed(new Msg.WorkerGone(w, "stream broken"));
      assertEquals(DONE_REASON_CRASHED, h.job(id).getDoneReason());
    }

    @Test
    void aStalledCoordinator_doesNotDeclareEveryWorkerLostWhenItResumes() {
      RecordingLink w = h.register("w", 1, "t");
      String id = h.submit("t");
      h.clock.advance(Duration.ofSeconds(10)); // the loop itself did not run
      h.feed(new Msg.Tick());
      assertEquals(JOB_STATE_RUNNING, h.job(id).getState());
      assertFalse(w.closed);
      h.advance(Duration.ofSeconds(4)); // but real silence afterwards still counts
      assertEquals(DONE_REASON_CRASHED, h.job(id).getDoneReason());
    }
  }

  @Nested
  class Rule12Fencing {
    @Test
    void resultForALeaseOfALostWorker_isIgnored() {
      RecordingLink w = h.register("w", 1, "t");
      String id = h.submit("t");
      long lease = w.leaseFor(id);
      h.advance(Duration.ofSeconds(4));
      assertEquals(DONE_REASON_CRASHED, h.job(id).getDoneReason());
      RecordingLink again = h.register("w", 1, "t");
      h.succeed(again, lease);
      assertEquals(DONE_REASON_CRASHED, h.job(id).getDoneReason());
    }

    @Test
    void aLeaseTheAgentStillRuns_afterReconnecting_isToldToStop_andHoldsItsSlot() {
      RecordingLink w = h.register("w", 1, "t");
      String id = h.submit("t");
      long lease = w.leaseFor(id);
      h.feed(new Msg.WorkerGone(w, "broken"));
      String next = h.submit("t");
      RecordingLink again = new RecordingLink("w");
      h.feed(new Msg.WorkerRegister(again, dev.spc.proto.Register.newBuilder().setName("w")
          .addJobTypes("t").setSlots(1).addHeldLeaseIds(lease).build()));
      assertEquals(lease, again.stops().get(0).getLeaseId());
      assertEquals(JOB_STATE_PENDING, h.job(next).getState(), "the slot is still busy");
      h.result(again, lease, Outcome.OUTCOME_STOPPED, "", "");
      assertEquals(JOB_STATE_RUNNING, h.job(next).getState());
      assertEquals(DONE_REASON_CRASHED, h.job(id).getDoneReason());
    }

    @Test
    void aHeartbeatAskingForAnEcho_isAnswered_andRegisteredSaysSo() {
      RecordingLink w = h.register("w", 2, "t");
      assertTrue(w.sent.get(0).getRegistered().getEchoesHeartbeats());
      h.feed(new Msg.WorkerHeartbeat(w, dev.spc.proto.Heartbeat.newBuilder().setEcho(17).build()));
      assertEquals(17, w.sent.get(w.sent.size() - 1).getHeartbeatEcho().getEcho());
      int before = w.sent.size();
      h.heartbeat(w);
      assertEquals(before, w.sent.size(), "a plain heartbeat gets no answer");
    }

    @Test
    void heartbeatNamingAnUnknownLease_getsAStopOrder() {
      RecordingLink w = h.register("w", 2, "t");
      h.heartbeat(w, 42L);
      assertEquals(42L, w.stops().get(0).getLeaseId());
    }

    @Test
    void theFirstTerminalOutcomeIsFinal() {
      RecordingLink w = h.register("w", 1, "t");
      String id = h.submit(JobSpec.newBuilder().setType("t").setMaxSeconds(1).build());
      long lease = w.leaseFor(id);
      h.advance(Duration.ofMillis(1100), w);
      assertEquals(DONE_REASON_TIMEOUT, h.job(id).getDoneReason());
      h.result(w, lease, Outcome.OUTCOME_FAILED, "late", "");
      h.cancel(id);
      Job job = h.job(id);
      assertEquals(DONE_REASON_TIMEOUT, job.getDoneReason());
      assertEquals("exceeded max_seconds=1", job.getError());
    }

    @Test
    void leaseIdsAreNeverReused_evenByALaterCoordinator() {
      RecordingLink w = h.register("w", 1, "t");
      String a = h.submit("t");
      h.succeed(w, w.leaseFor(a));
      String b = h.submit("t");
      assertNotEquals(w.leaseFor(a), w.leaseFor(b));
      Harness later = new Harness();
      later.clock.advance(Duration.ofMillis(1));
      Coordinator restarted = new Coordinator(CoordinatorConfig.defaults(), later.clock);
      RecordingLink w2 = new RecordingLink("w");
      restarted.handle(new Msg.WorkerRegister(w2, dev.spc.proto.Register.newBuilder()
          .setName("w").addJobTypes("t").build()));
      restarted.handle(new Msg.Submit(List.of(Harness.spec("t")), false, new Captured<>()));
      restarted.afterBatch();
      assertTrue(w2.leases().get(0).getLeaseId() > w.leaseFor(b));
    }
  }
}
