package dev.spc.server.loop;

import static dev.spc.proto.DoneReason.DONE_REASON_CANCELLED;
import static dev.spc.proto.DoneReason.DONE_REASON_CRASHED;
import static dev.spc.proto.DoneReason.DONE_REASON_DONE;
import static dev.spc.proto.DoneReason.DONE_REASON_EXPIRED;
import static dev.spc.proto.DoneReason.DONE_REASON_TIMEOUT;
import static dev.spc.proto.JobState.JOB_STATE_DONE;
import static dev.spc.proto.JobState.JOB_STATE_PENDING;
import static dev.spc.proto.JobState.JOB_STATE_RUNNING;
import static dev.spc.proto.JobState.JOB_STATE_SCHEDULED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Duration;
import dev.spc.proto.Job;
import dev.spc.proto.JobEvent;
import dev.spc.proto.JobResult;
import dev.spc.proto.JobResults;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import dev.spc.proto.ListJobsRequest;
import dev.spc.proto.ListJobsResponse;
import dev.spc.proto.Outcome;
import dev.spc.proto.RetryPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Retries, delayed starts and expiry on the bare state machine, with the fake clock. */
class RetriesTest {
  final Harness h = new Harness();

  static Duration ms(long millis) {
    return Duration.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
  }

  static JobSpec retrying(int attempts, long initialMs, long maxMs) {
    return JobSpec.newBuilder().setType("t").setRetry(RetryPolicy.newBuilder().setMaxAttempts(attempts)
        .setInitialBackoff(ms(initialMs)).setMaxBackoff(ms(maxMs))).build();
  }

  void fail(RecordingLink w, String id, String error) {
    h.result(w, w.lastLeaseFor(id), Outcome.OUTCOME_FAILED, error, "");
  }

  @Test
  void theBackoffDoubles_isCapped_andItsJitterStaysWithinBounds() {
    RetryPolicy p = RetryPolicy.newBuilder().setInitialBackoff(ms(1000)).setMaxBackoff(ms(10_000))
        .setJitter(0.2).build();
    Harness.FixedRandom r = new Harness.FixedRandom();
    List<Long> middle = new ArrayList<>();
    for (int n = 1; n <= 6; n++) {
      middle.add(Retries.backoffMillis(p, n, r));
    }
    assertEquals(List.of(1000L, 2000L, 4000L, 8000L, 10_000L, 10_000L), middle);
    r.value = 0.0;
    assertEquals(800L, Retries.backoffMillis(p, 1, r), "20% shorter at the bottom");
    assertEquals(6400L, Retries.backoffMillis(p, 4, r));
    r.value = 0.9999999;
    assertEquals(1200L, Retries.backoffMillis(p, 1, r), "20% longer at the top");
    assertEquals(9600L, Retries.backoffMillis(p, 4, r));
    assertEquals(10_000L, Retries.backoffMillis(p, 5, r), "never beyond max_backoff");
    RetryPolicy defaults = RetryPolicy.getDefaultInstance();
    r.value = 0.5;
    assertEquals(1000L, Retries.backoffMillis(defaults, 1, r));
    assertEquals(300_000L, Retries.backoffMillis(defaults, 20, r), "capped at 5 min by default");
  }

  @Test
  void aJobFailingTwice_thenSucceeding_endsDoneWithThreeAttemptsAndItsId() {
    RecordingLink w = h.register("w", 1, "t");
    String id = h.submit(retrying(3, 1000, 60_000));
    fail(w, id, "boom 1");
    Job j = h.job(id);
    assertEquals(JOB_STATE_SCHEDULED, j.getState());
    assertEquals(1, j.getAttempt());
    assertEquals(3, j.getMaxAttempts());
    assertEquals(h.clock.now().plusMillis(1000), instant(j.getNextAttemptAt()));
    assertTrue(j.getPendingReason().contains("attempt 2 at"), j.getPendingReason());
    h.advance(java.time.Duration.ofMillis(900), w);
    assertEquals(JOB_STATE_SCHEDULED, h.job(id).getState(), "not before its backoff");
    h.advance(java.time.Duration.ofMillis(100), w);
    assertEquals(JOB_STATE_RUNNING, h.job(id).getState(), "due, and leased again at once");
    fail(w, id, "boom 2");
    h.advance(java.time.Duration.ofSeconds(2), w);
    assertEquals(JOB_STATE_RUNNING, h.job(id).getState(), "the second backoff doubled");
    h.succeed(w, w.leaseFor(id, 3));
    Job done = h.job(id);
    assertEquals(DONE_REASON_DONE, done.getDoneReason());
    assertEquals(3, done.getAttempt());
    assertEquals(List.of("boom 1", "boom 2", ""), done.getAttemptsList().stream().map(a -> a.getError()).toList());
    assertEquals(List.of(DONE_REASON_CRASHED, DONE_REASON_CRASHED, DONE_REASON_DONE),
        done.getAttemptsList().stream().map(a -> a.getDoneReason()).toList());
    assertEquals(List.of(1, 2, 3), done.getAttemptsList().stream().map(a -> a.getAttempt()).toList());
    assertEquals("w", done.getAttempts(0).getWorker());
    assertEquals(2, stats().getRetriesTotal());
  }

  @Test
  void exhaustedRetries_endWithTheLastAttemptsOutcome_andJoinTheDeadSet() {
    RecordingLink w = h.register("w", 1, "t");
    String id = h.submit(retrying(2, 100, 100));
    fail(w, id, "first");
    h.advance(java.time.Duration.ofMillis(100), w);
    fail(w, id, "second");
    Job j = h.job(id);
    assertEquals(DONE_REASON_CRASHED, j.getDoneReason());
    assertEquals("second", j.getError());
    assertEquals(2, j.getAttemptsCount());
    String fine = h.submit("t");
    h.succeed(w, w.leaseFor(fine));
    assertEquals(List.of(id), list(ListJobsRequest.newBuilder().setRetriesExhausted(true)));
    assertEquals(List.of(id), list(ListJobsRequest.newBuilder().setDoneReason(DONE_REASON_CRASHED)));
  }

  @Test
  void aNonRetryableFailure_orAnExitCodeThePolicyNames_isFinal() {
    RecordingLink w = h.register("w", 1, "t");
    String id = h.submit(retrying(5, 100, 100));
    h.feed(new Msg.WorkerResults(w, JobResults.newBuilder().addResults(JobResult.newBuilder()
        .setLeaseId(w.leaseFor(id)).setOutcome(Outcome.OUTCOME_FAILED).setError("bad input")
        .setNonRetryable(true)).build()));
    assertEquals(DONE_REASON_CRASHED, h.job(id).getDoneReason());
    assertEquals(1, h.job(id).getAttempt());
    JobSpec exec = retrying(5, 100, 100).toBuilder().setRetry(retrying(5, 100, 100).getRetry()
        .toBuilder().addNonRetryableExitCodes(3)).build();
    String code3 = h.submit(exec);
    h.feed(new Msg.WorkerResults(w, JobResults.newBuilder().addResults(JobResult.newBuilder()
        .setLeaseId(w.leaseFor(code3)).setOutcome(Outcome.OUTCOME_FAILED).setError("exit 3")
        .setExitCode(3)).build()));
    assertEquals(JOB_STATE_DONE, h.job(code3).getState());
    String code4 = h.submit(exec);
    h.feed(new Msg.WorkerResults(w, JobResults.newBuilder().addResults(JobResult.newBuilder()
        .setLeaseId(w.leaseFor(code4)).setOutcome(Outcome.OUTCOME_FAILED).setError("exit 4")
        .setExitCode(4)).build()));
    assertEquals(JOB_STATE_SCHEDULED, h.job(code4).getState(), "another code retries");
  }

  @Test
  void cancelDuringTheBackoff_isCancelledAtOnce_andNeverRunsAgain() {
    RecordingLink w = h.register("w", 1, "t");
    String id = h.submit(retrying(3, 1000, 1000));
    fail(w, id, "boom");
    var waiting = h.waitFor(id);
    assertFalse(waiting.answered(), "a wait waits for the final outcome, not an attempt");
    assertEquals(DONE_REASON_CANCELLED, h.cancel(id).getDoneReason());
    assertEquals(DONE_REASON_CANCELLED, waiting.get().getDoneReason());
    h.advance(java.time.Duration.ofSeconds(2), w);
    assertEquals(1, w.leases().size(), "the due timer found it done");
    assertEquals(0, stats().getScheduled());
  }

  @Test
  void aLostWorker_andATimeout_retryLikeCrashes_butOnlyTheReasonsAsked() {
    RecordingLink w = h.register("w", 1, "t");
    String lost = h.submit(retrying(2, 100, 100));
    h.feed(new Msg.WorkerGone(w, "test"));
    Job j = h.job(lost);
    assertEquals(JOB_STATE_SCHEDULED, j.getState());
    assertEquals("worker lost", j.getAttempts(0).getError());
    RecordingLink w2 = h.register("w2", 1, "t");
    h.advance(java.time.Duration.ofMillis(100), w2);
    h.succeed(w2, w2.leaseFor(lost));
    assertEquals(DONE_REASON_DONE, h.job(lost).getDoneReason());

    JobSpec timeoutOnly = JobSpec.newBuilder().setType("t").setMaxSeconds(1).setRetry(RetryPolicy
        .newBuilder().setMaxAttempts(3).setInitialBackoff(ms(100)).addRetryOn(DONE_REASON_TIMEOUT)).build();
    String slow = h.submit(timeoutOnly);
    h.advance(java.time.Duration.ofSeconds(1), w2);
    assertEquals(JOB_STATE_SCHEDULED, h.job(slow).getState(), "timed out: retried");
    assertEquals(DONE_REASON_TIMEOUT, h.job(slow).getAttempts(0).getDoneReason());
    h.result(w2, w2.leaseFor(slow, 1), Outcome.OUTCOME_STOPPED, "", ""); // its slot is free again
    h.advance(java.time.Duration.ofMillis(100), w2);
    h.result(w2, w2.leaseFor(slow, 2), Outcome.OUTCOME_FAILED, "crashed", "");
    assertEquals(DONE_REASON_CRASHED, h.job(slow).getDoneReason(), "a crash is not in its retry_on");
  }

  @Test
  void aDelayedJob_isScheduledUntilItsTime_thenRuns() {
    RecordingLink w = h.register("w", 1, "t");
    String later = h.submit(JobSpec.newBuilder().setType("t").setStartAfter(ms(5000)).build());
    Instant at = h.clock.now().plusSeconds(60);
    String atTime = h.submit(JobSpec.newBuilder().setType("t").setStartAt(Views.ts(at)).build());
    Job j = h.job(later);
    assertEquals(JOB_STATE_SCHEDULED, j.getState());
    assertEquals(0, j.getAttempt());
    assertTrue(j.getPendingReason().startsWith("starts at "), j.getPendingReason());
    h.advance(java.time.Duration.ofMillis(4900), w);
    assertTrue(w.leases().isEmpty());
    h.advance(java.time.Duration.ofMillis(100), w);
    assertEquals(JOB_STATE_RUNNING, h.job(later).getState());
    h.succeed(w, w.leaseFor(later));
    h.advance(java.time.Duration.ofSeconds(54), w);
    assertEquals(JOB_STATE_SCHEDULED, h.job(atTime).getState());
    h.advance(java.time.Duration.ofSeconds(1), w);
    assertEquals(JOB_STATE_RUNNING, h.job(atTime).getState());
  }

  @Test
  void aStartTimeBetweenMilliseconds_stillFires() {
    RecordingLink w = h.register("w", 1, "t");
    h.clock.advance(java.time.Duration.ofNanos(400_000)); // now is 0.4 ms past a millisecond
    String id = h.submit(JobSpec.newBuilder().setType("t").setStartAfter(ms(1000)).build());
    h.advance(java.time.Duration.ofMillis(999), w); // 1 ms before the due time
    h.clock.advance(java.time.Duration.ofNanos(700_000)); // in its millisecond, 0.3 ms before it
    h.feed(new Msg.Tick());
    assertEquals(JOB_STATE_SCHEDULED, h.job(id).getState());
    h.advance(java.time.Duration.ofMillis(2), w);
    assertEquals(JOB_STATE_RUNNING, h.job(id).getState(), "fired once due, never early and lost");
  }

  @Test
  void aJobNotStartedWithinItsExpiry_endsExpired_butNotOneThatRanOnce() {
    String unrun = h.submit(JobSpec.newBuilder().setType("t").setExpireAfter(ms(2000)).build());
    h.advance(java.time.Duration.ofMillis(1900));
    assertEquals(JOB_STATE_PENDING, h.job(unrun).getState());
    h.advance(java.time.Duration.ofMillis(100));
    Job j = h.job(unrun);
    assertEquals(DONE_REASON_EXPIRED, j.getDoneReason());
    assertEquals("not started within expire_after=2s", j.getError());
    RecordingLink w = h.register("w", 1, "t");
    String retried = h.submit(retrying(2, 5000, 5000).toBuilder().setExpireAfter(ms(1000)).build());
    fail(w, retried, "boom");
    h.advance(java.time.Duration.ofSeconds(5), w);
    assertEquals(JOB_STATE_RUNNING, h.job(retried).getState(), "it started once: no expiry");
  }

  @Test
  void watchersSeeEachAttempt() {
    RecordingLink w = h.register("w", 1, "t");
    String id = h.submit(retrying(2, 100, 100));
    List<JobState> seen = new ArrayList<>();
    h.feed(new Msg.Watch(1, id, true, new WatchSink() {
      @Override
      public void offer(JobEvent e) {
        if (e.hasState()) {
          seen.add(e.getState().getState());
        }
      }

      @Override
      public void end(Failure f) {}
    }));
    fail(w, id, "once");
    h.advance(java.time.Duration.ofMillis(100), w);
    h.succeed(w, w.leaseFor(id, 2));
    assertEquals(List.of(JOB_STATE_RUNNING, JOB_STATE_SCHEDULED, JOB_STATE_PENDING, JOB_STATE_RUNNING,
        JOB_STATE_DONE), seen);
  }

  @Test
  void rerun_makesANewJobWithTheSameSpec_pointingBack_onlyForDoneJobs() {
    RecordingLink w = h.register("w", 1, "t");
    String id = h.submit(JobSpec.newBuilder().setType("t").setIdempotencyKey("k1").addArgs("a").build());
    Captured<String> early = new Captured<>();
    h.feed(new Msg.Rerun(id, true, early));
    assertEquals(Failure.Code.FAILED_PRECONDITION, early.failure.code());
    h.result(w, w.leaseFor(id), Outcome.OUTCOME_FAILED, "boom", "");
    Captured<String> again = new Captured<>();
    h.feed(new Msg.Rerun(id, true, again));
    Job j = h.job(again.get());
    assertEquals(id, j.getRerunOf());
    assertEquals(List.of("a"), j.getSpec().getArgsList());
    assertEquals("", j.getSpec().getIdempotencyKey(), "the key stays the first job's");
    assertEquals(JOB_STATE_RUNNING, j.getState());
    Captured<String> exec = new Captured<>();
    String e = h.submit(JobSpec.newBuilder().setType("exec").build());
    h.cancel(e);
    h.feed(new Msg.Rerun(e, false, exec));
    assertEquals(Failure.Code.PERMISSION_DENIED, exec.failure.code());
  }

  @Test
  void badPolicies_startTimesAndExpiries_areRefusedNamingTheField() {
    Instant now = h.clock.now();
    List<String> problems = new ArrayList<>();
    for (JobSpec s : List.of(
        retrying(101, 100, 100),
        retrying(2, -1000, 100),
        retrying(2, 5000, 1000),
        JobSpec.newBuilder().setType("t").setRetry(RetryPolicy.newBuilder().setJitter(1.5)).build(),
        JobSpec.newBuilder().setType("t").setRetry(RetryPolicy.newBuilder().setBackoffMultiplier(0.5)).build(),
        JobSpec.newBuilder().setType("t").setRetry(RetryPolicy.newBuilder().addRetryOn(DONE_REASON_CANCELLED)).build(),
        JobSpec.newBuilder().setType("t").setStartAt(Views.ts(now.plusSeconds(367L * 86400))).build(),
        JobSpec.newBuilder().setType("t").setStartAfter(ms(1000)).setStartAt(Views.ts(now)).build(),
        JobSpec.newBuilder().setType("t").setExpireAfter(ms(-1)).build())) {
      Captured<List<String>> r = h.trySubmit(s);
      assertEquals(Failure.Code.INVALID_ARGUMENT, r.failure.code(), s.toString());
      problems.add(r.failure.message());
    }
    assertEquals(List.of(
        "job.retry.max_attempts must be between 0 and 100, got 101",
        "job.retry.initial_backoff must not be negative, got -1s 0ns",
        "job.retry.max_backoff must not be shorter than initial_backoff",
        "job.retry.jitter must be between 0 and 1, got 1.5",
        "job.retry.backoff_multiplier must be between 1 and 100, got 0.5",
        "job.retry.retry_on[0] must be DONE_REASON_CRASHED or DONE_REASON_TIMEOUT, got DONE_REASON_CANCELLED",
        "job.start_at must be at most 366 days ahead, got " + Instant.ofEpochSecond(now.getEpochSecond() + 367L * 86400),
        "job.start_after and .start_at must not both be set",
        "job.expire_after must not be negative, got 0s -1000000ns"), problems);
    assertEquals(0, stats().getSubmittedTotal(), "nothing was created");
  }

  @Test
  void theCoordinatorsDefault_appliesToSpecsThatDoNotSay() {
    Harness d = new Harness(CoordinatorConfig.newBuilder().defaultMaxAttempts(3).build());
    RecordingLink w = d.register("w", 1, "t");
    String id = d.submit("t");
    d.result(w, w.leaseFor(id), Outcome.OUTCOME_FAILED, "boom", "");
    assertEquals(JOB_STATE_SCHEDULED, d.job(id).getState());
    assertEquals(3, d.job(id).getMaxAttempts());
  }

  dev.spc.proto.Stats stats() {
    Captured<dev.spc.proto.Stats> r = new Captured<>();
    h.feed(new Msg.GetStats(r));
    return r.get();
  }

  List<String> list(ListJobsRequest.Builder req) {
    Captured<ListJobsResponse> r = new Captured<>();
    h.feed(new Msg.ListJobs(req.build(), r));
    return r.get().getJobsList().stream().map(Job::getJobId).toList();
  }

  static Instant instant(com.google.protobuf.Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
