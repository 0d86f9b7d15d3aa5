package dev.spc.server.loop;

import static dev.spc.proto.DoneReason.DONE_REASON_CANCELLED;
import static dev.spc.proto.DoneReason.DONE_REASON_CRASHED;
import static dev.spc.proto.DoneReason.DONE_REASON_DONE;
import static dev.spc.proto.JobState.JOB_STATE_PENDING;
import static dev.spc.proto.JobState.JOB_STATE_RUNNING;
import static dev.spc.proto.JobState.JOB_STATE_UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.Job;
import dev.spc.proto.JobSpec;
import dev.spc.proto.Outcome;
import dev.spc.proto.Register;
import dev.spc.proto.store.StoredJob;
import dev.spc.server.loop.Persistence.JobRow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Durable mode on the bare state machine: acknowledgements wait for storage; restarts recover. */
class DurableCoordinatorTest {
  /**
   * A store in a map; commits happen when the test says. Like the real stores, a row without a
   * fixed part replaces only the state of the row it finds (and there must be one).
   */
  static final class FakeStore implements Persistence {
    final Map<Long, JobRow> rows = new LinkedHashMap<>();
    final Map<String, dev.spc.proto.store.StoredSchedule> schedules = new java.util.TreeMap<>();
    final Map<String, String> settings = new java.util.HashMap<>();
    final List<Object[]> queued = new ArrayList<>();
    long lastBatch;

    @Override
    public void persist(long batchNo, Changes changes) {
      queued.add(new Object[] {batchNo, changes.upserts(), changes.deletes(), changes.schedules(),
          changes.schedulesDeleted(), changes.settings()});
      lastBatch = batchNo;
    }

    @SuppressWarnings("unchecked")
    void applyQueued() {
      for (Object[] q : queued) {
        for (JobRow j : (List<JobRow>) q[1]) {
          JobRow earlier = rows.get(j.seq());
          if (j.fixed() == null && earlier == null) {
            throw new IllegalStateException("the state of job " + j.seq() + " came before its fixed part");
          }
          rows.put(j.seq(), earlier == null ? j : j.after(earlier));
        }
        for (long seq : (List<Long>) q[2]) {
          rows.remove(seq);
        }
        for (String id : (List<String>) q[4]) {
          schedules.remove(id);
        }
        for (dev.spc.proto.store.StoredSchedule s : (List<dev.spc.proto.store.StoredSchedule>) q[3]) {
          schedules.put(s.getSchedule().getScheduleId(), s);
        }
        settings.putAll((Map<String, String>) q[5]);
      }
      queued.clear();
    }

    List<StoredJob> sorted() {
      return rows.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> whole(e.getValue()))
          .toList();
    }
  }

  final FakeStore store = new FakeStore();
  Harness h = new Harness(CoordinatorConfig.defaults(), store);
  final FakeClock clock = h.clock;

  void feed(Msg m) {
    h.feed(m);
  }

  /** The store commits everything handed to it so far. */
  void commit() {
    store.applyQueued();
    feed(new Msg.Committed(store.lastBatch));
  }

  /** A submit, not acknowledged until committed. */
  Captured<List<String>> submit(JobSpec spec) {
    return h.trySubmit(spec);
  }

  /** A job's view (reads wait behind unstored changes, so this commits). */
  Job job(String id) {
    Captured<Job> r = new Captured<>();
    feed(new Msg.GetJob(id, r));
    commit();
    return r.get();
  }

  RecordingLink register(String name, Long... held) {
    return h.registerHolding(name, 2, held);
  }

  @Test
  void aSubmitIsAcknowledgedOnlyOnceStored() {
    Captured<List<String>> r = submit(JobSpec.newBuilder().setType("t").build());
    assertFalse(r.answered());
    commit();
    assertEquals(1, r.get().size());
    assertEquals(JOB_STATE_PENDING, whole(store.rows.values().iterator().next()).getJob().getState());
  }

  /** A stored row whole: its fixed part (if it has one) with its state merged onto it. */
  static StoredJob whole(JobRow r) {
    return r.fixed() == null ? state(r) : fixed(r).toBuilder().mergeFrom(state(r)).build();
  }

  /** A stored row's fixed part, parsed. */
  static StoredJob fixed(JobRow r) {
    try {
      return StoredJob.parseFrom(java.util.Objects.requireNonNull(r.fixed(), "a row with its fixed part"));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError("a stored fixed part that does not parse", e);
    }
  }

  /** A stored row's state part, parsed. */
  static StoredJob state(JobRow r) {
    try {
      return StoredJob.parseFrom(r.state());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError("a stored state that does not parse", e);
    }
  }

  /** The rows handed to the store and not committed yet. */
  @SuppressWarnings("unchecked")
  List<JobRow> queuedRows() {
    List<JobRow> rows = new ArrayList<>();
    store.queued.forEach(q -> rows.addAll((List<JobRow>) q[1]));
    return rows;
  }

  @Test
  void aJobsFixedPart_goesWithItsFirstRowOnly_andLaterRowsHoldWhatChanged() {
    Captured<List<String>> r = submit(JobSpec.newBuilder().setType("t").putLabels("team", "a").build());
    JobRow first = queuedRows().get(0);
    assertTrue(first.fixed() != null, "the first row carries the fixed part");
    assertEquals("t", fixed(first).getJob().getSpec().getType());
    assertFalse(state(first).getJob().hasSpec());
    assertEquals("", state(first).getJob().getJobId());
    commit();
    RecordingLink w = register("w");
    List<JobRow> later = queuedRows();
    assertEquals(1, later.size());
    assertEquals(null, later.get(0).fixed());
    assertEquals(JOB_STATE_RUNNING, state(later.get(0)).getJob().getState());
    commit();
    Job stored = whole(store.rows.values().iterator().next()).getJob();
    assertEquals(r.get().get(0), stored.getJobId());
    assertEquals("a", stored.getSpec().getLabelsOrThrow("team"));
    assertEquals(JOB_STATE_RUNNING, stored.getState());
    assertEquals(w.leases().get(0).getLeaseId(), whole(store.rows.values().iterator().next()).getLeaseId());
  }

  @Test
  void aLeaseIsSentOnlyOnceStored() {
    RecordingLink w = register("w");
    submit(JobSpec.newBuilder().setType("t").build());
    assertTrue(w.leases().isEmpty());
    commit();
    assertEquals(1, w.leases().size());
    StoredJob row = whole(store.rows.values().iterator().next());
    assertEquals(JOB_STATE_RUNNING, row.getJob().getState());
    assertEquals(w.leases().get(0).getLeaseId(), row.getLeaseId());
  }

  /** A job running on worker "w" under {@code lease}. */
  record Running(long lease, String id) {}

  /** A job of {@code spec} leased to worker "w" and stored; then the coordinator restarts. */
  Running runningThenRestart(JobSpec spec) {
    RecordingLink w = register("w");
    submit(spec);
    commit();
    Running r = new Running(w.leases().get(0).getLeaseId(), w.leases().get(0).getJobId());
    h.restart(store.sorted());
    return r;
  }

  static List<Long> confirmations(RecordingLink w) {
    return w.sent.stream().filter(m -> m.hasResultsTaken())
        .map(m -> m.getResultsTaken().getUpToSeq()).toList();
  }

  void result(RecordingLink w, long seq, long leaseId) {
    h.succeeded(w, seq, leaseId);
  }

  @Test
  void resultsAreConfirmedToTheAgentOnlyOnceStored() {
    RecordingLink w = register("w");
    Captured<List<String>> s = submit(JobSpec.newBuilder().setType("t").build());
    commit();
    String id = s.get().get(0);
    result(w, 7, w.leaseFor(id));
    assertEquals(List.of(), confirmations(w), "the outcome could still be lost");
    commit();
    assertEquals(List.of(7L), confirmations(w));
    assertEquals(DONE_REASON_DONE, whole(store.rows.values().iterator().next()).getJob().getDoneReason());
  }

  @Test
  void aResultSentAgainAfterARestart_isTaken_andConfirmed() {
    RecordingLink w = register("w");
    Captured<List<String>> s = submit(JobSpec.newBuilder().setType("t").build());
    commit();
    String id = s.get().get(0);
    long lease = w.leaseFor(id);
    result(w, 1, lease); // the coordinator dies before this is stored
    store.queued.clear();

    h.restart(store.sorted());
    RecordingLink again = register("w"); // the job finished: no lease held any more
    result(again, 2, lease); // unconfirmed, so sent again on the new stream
    commit();
    assertEquals(DONE_REASON_DONE, job(id).getDoneReason());
    assertEquals(List.of(2L), confirmations(again));
  }

  @Test
  void readsWaitBehindUnstoredWrites() {
    Captured<List<String>> s = submit(JobSpec.newBuilder().setType("t").build());
    Captured<dev.spc.proto.ListJobsResponse> list = new Captured<>();
    feed(new Msg.ListJobs(dev.spc.proto.ListJobsRequest.getDefaultInstance(), list));
    assertFalse(list.answered(), "must not show a job that could still be lost");
    commit();
    assertTrue(s.answered() && list.answered());
  }

  @Test
  void aFailedCommit_refusesWithUnavailable_untilStorageRecovers() {
    Captured<List<String>> r = submit(JobSpec.newBuilder().setType("t").build());
    feed(new Msg.CommitFailed(store.lastBatch, "disk full"));
    assertEquals(Failure.Code.UNAVAILABLE, r.failure.code());
    assertEquals("storage unavailable: disk full", r.failure.message());
    Captured<List<String>> refused = submit(JobSpec.newBuilder().setType("t").build());
    assertEquals(Failure.Code.UNAVAILABLE, refused.failure.code());
    assertTrue(refused.failure.message().startsWith("storage unavailable: disk full"));
    commit(); // the store retried and got through
    Captured<List<String>> ok = submit(JobSpec.newBuilder().setType("t").build());
    commit();
    assertEquals(1, ok.get().size());
    assertEquals(2, store.rows.size(), "the first job was kept and stored once the disk recovered");
  }

  @Test
  void afterARestart_pendingJobsKeepTheirOrder_doneJobsTheirOutcome_andIdsGoOn() {
    RecordingLink w = register("w");
    commit();
    Captured<List<String>> running = submit(JobSpec.newBuilder().setType("t").build());
    commit();
    String lostJob = running.get().get(0);
    feed(new Msg.WorkerGone(w, "test"));
    commit();
    List<String> ids = new ArrayList<>();
    for (int p : new int[] {0, 5, 0}) {
      Captured<List<String>> r = submit(JobSpec.newBuilder().setType("t").setPriority(p).build());
      commit();
      ids.add(r.get().get(0));
    }
    Captured<dev.spc.proto.CancelJobResponse> cancel = new Captured<>();
    feed(new Msg.Cancel(ids.get(2), cancel));
    commit();

    h.restart(store.sorted());
    assertEquals(DONE_REASON_CANCELLED, job(ids.get(2)).getDoneReason());
    Job lost = job(lostJob);
    assertEquals(DONE_REASON_CRASHED, lost.getDoneReason(), "ran on the worker that was lost");
    assertEquals("worker lost", lost.getError());
    RecordingLink w2 = register("w2");
    commit();
    assertEquals(List.of(ids.get(1), ids.get(0)), w2.leases().stream().map(l -> l.getJobId()).toList());
    Captured<List<String>> next = submit(JobSpec.newBuilder().setType("t").build());
    commit();
    assertEquals("inc-2-1", next.get().get(0), "the first id of the next term");
  }

  @Test
  void aBatchKeySurvivesARestart() {
    Captured<List<String>> first = new Captured<>();
    feed(new Msg.Submit(List.of(JobSpec.newBuilder().setType("t").build(),
        JobSpec.newBuilder().setType("t").build()), true, "batch-9", first));
    commit();
    h.restart(store.sorted());
    Captured<List<String>> retry = new Captured<>();
    feed(new Msg.Submit(List.of(JobSpec.newBuilder().setType("t").build(),
        JobSpec.newBuilder().setType("t").build()), true, "batch-9", retry));
    commit();
    assertEquals(first.get(), retry.get());
    assertEquals(2, store.rows.size());
  }

  @Test
  void aRunningJobIsReadoptedWithItsLease_whenItsWorkerReportsItInTime() {
    Running r = runningThenRestart(JobSpec.newBuilder().setType("t").setMaxSeconds(60).build());
    long lease = r.lease();
    String id = r.id();
    clock.advance(Duration.ofSeconds(2));
    RecordingLink again = register("w", lease);
    commit();
    assertTrue(again.stops().isEmpty(), "an adopted lease is not stopped");
    feed(new Msg.WorkerResults(again, dev.spc.proto.JobResults.newBuilder().addResults(
        dev.spc.proto.JobResult.newBuilder().setLeaseId(lease).setOutcome(Outcome.OUTCOME_SUCCEEDED)).build()));
    commit();
    assertEquals(DONE_REASON_DONE, job(id).getDoneReason());
  }

  @Test
  void aJobThatFinishedWhileTheCoordinatorWasDown_takesTheResultItsWorkerReports() {
    Running r = runningThenRestart(JobSpec.newBuilder().setType("t").build());
    long lease = r.lease();
    String id = r.id();
    RecordingLink again = register("w");
    feed(new Msg.WorkerResults(again, dev.spc.proto.JobResults.newBuilder().addResults(
        dev.spc.proto.JobResult.newBuilder().setLeaseId(lease).setOutcome(Outcome.OUTCOME_FAILED)
            .setError("boom")).build()));
    commit();
    Job j = job(id);
    assertEquals(DONE_REASON_CRASHED, j.getDoneReason());
    assertEquals("boom", j.getError());
  }

  @Test
  void aCancelBeforeTheAgentReportsARunningJob_endsItCancelled_andTheAgentIsToldToStopIt() {
    Running r = runningThenRestart(JobSpec.newBuilder().setType("t").build());
    long lease = r.lease();
    String id = r.id();
    Captured<dev.spc.proto.CancelJobResponse> cancel = new Captured<>();
    feed(new Msg.Cancel(id, cancel)); // running, but no lease until its agent reports it
    commit();
    assertEquals(DONE_REASON_CANCELLED, cancel.get().getDoneReason());
    RecordingLink again = register("w", lease);
    commit();
    assertEquals(List.of(lease), again.stops().stream().map(s -> s.getLeaseId()).toList());
    result(again, 1, lease); // it finished anyway: ignored for the outcome
    commit();
    Job j = job(id);
    assertEquals(DONE_REASON_CANCELLED, j.getDoneReason());
    assertEquals("cancelled", j.getError());
    for (int i = 0; i < 105; i++) { // the grace ends: the outcome stands
      clock.advance(Duration.ofMillis(100));
      feed(new Msg.Tick());
    }
    commit();
    assertEquals(DONE_REASON_CANCELLED, job(id).getDoneReason());
  }

  @Test
  void aResultReportedAfterARestart_pastTheLeasesDeadline_isTimeout() {
    Running r = runningThenRestart(JobSpec.newBuilder().setType("t").setMaxSeconds(1).build());
    long lease = r.lease();
    String id = r.id();
    clock.advance(Duration.ofSeconds(3)); // it ran on while the coordinator was away
    RecordingLink again = register("w");
    result(again, 1, lease);
    commit();
    Job j = job(id);
    assertEquals(dev.spc.proto.DoneReason.DONE_REASON_TIMEOUT, j.getDoneReason());
    assertEquals("exceeded max_seconds=1", j.getError());
  }

  @Test
  void aDrainingAgentThatReconnects_getsNoLease_andItsDrainIsConfirmed() {
    submit(JobSpec.newBuilder().setType("t").build());
    commit();
    RecordingLink link = new RecordingLink("w");
    feed(new Msg.WorkerRegister(link, Register.newBuilder().setName("w").addJobTypes("t")
        .setSlots(2).setDraining(true).build()));
    commit();
    assertTrue(link.leases().isEmpty());
    assertTrue(link.sent.stream().anyMatch(m -> m.hasStopWorker() && m.getStopWorker().getDrain()));
  }

  @Test
  void aShutdownReturningHeldBackLeasesToPending_storesThem_andAnswersOnce() {
    RecordingLink w = register("w");
    w.ready = false; // it does not read: its lease is held back
    Captured<List<String>> s = submit(JobSpec.newBuilder().setType("t").build());
    commit();
    String id = s.get().get(0);
    assertEquals(JOB_STATE_RUNNING, job(id).getState());
    List<dev.spc.proto.JobEvent> events = new ArrayList<>();
    feed(new Msg.Watch(1, id, true, new WatchSink() {
      @Override
      public void offer(dev.spc.proto.JobEvent e) {
        events.add(e);
      }

      @Override
      public void end(Failure failure) {}
    }));
    commit();
    Captured<Boolean> stopped = new Captured<>();
    // Handing the held-back lease back changes the job and tells its watcher, from inside the
    // effects of the batch that began the stop.
    feed(new Msg.Shutdown(stopped));
    commit();
    feed(new Msg.WorkerGone(w, Coordinator.LEFT));
    commit();
    assertTrue(stopped.answered());
    assertEquals(JOB_STATE_PENDING, whole(store.rows.values().iterator().next()).getJob().getState(),
        "stored as pending again");
    assertEquals(JOB_STATE_PENDING, events.get(events.size() - 1).getState().getState());
    assertTrue(w.leases().isEmpty());
  }

  /** Worker "w", agent process {@code instance}, holding these leases and results for those. */
  RecordingLink registerInstance(long instance, List<Long> held, List<Long> results, boolean draining) {
    RecordingLink link = new RecordingLink("w");
    feed(new Msg.WorkerRegister(link, dev.spc.proto.Register.newBuilder().setName("w").addJobTypes("t")
        .setSlots(2).setInstanceId(instance).addAllHeldLeaseIds(held).addAllResultLeaseIds(results)
        .setDraining(draining).build()));
    return link;
  }

  /** A job leased to agent process 5 of worker "w" and stored; then the coordinator restarts. */
  Running runningOnInstance5ThenRestart() {
    RecordingLink w = registerInstance(5, List.of(), List.of(), false);
    submit(JobSpec.newBuilder().setType("t").build());
    commit();
    Running r = new Running(w.leases().get(0).getLeaseId(), w.leases().get(0).getJobId());
    assertEquals(5, whole(store.rows.get(JobIds.sequenceOf(r.id()))).getAgentInstance(), "stored with the lease");
    h.restart(store.sorted());
    return r;
  }

  void graceEnds() {
    for (int i = 0; i < 105; i++) {
      clock.advance(Duration.ofMillis(100));
      feed(new Msg.Tick());
    }
    commit();
  }

  @Test
  void aLeaseStoredButNeverSent_isPendingAgainAtOnce_whenTheSameAgentProcessNeverHadIt() {
    Running r = runningOnInstance5ThenRestart();
    RecordingLink again = registerInstance(5, List.of(), List.of(), false);
    commit();
    Job j = job(r.id());
    assertEquals(JOB_STATE_RUNNING, j.getState(), "leased again at once, not after the grace");
    assertEquals(1, j.getAttempt(), "the lease that never arrived was no attempt");
    long second = again.leaseFor(r.id());
    assertTrue(second != r.lease(), "under a new lease");
    h.succeeded(again, 1, second);
    graceEnds();
    assertEquals(DONE_REASON_DONE, job(r.id()).getDoneReason());
  }

  @Test
  void aLeaseWhoseResultTheAgentStillHolds_waitsForThatResult() {
    Running r = runningOnInstance5ThenRestart();
    RecordingLink again = registerInstance(5, List.of(), List.of(r.lease()), false);
    commit();
    assertTrue(again.leases().isEmpty(), "not leased again: its result is on its way");
    h.succeeded(again, 1, r.lease());
    commit();
    Job j = job(r.id());
    assertEquals(DONE_REASON_DONE, j.getDoneReason());
    assertEquals(1, j.getAttempt());
  }

  @Test
  void anAgentRestartedUnderTheSameName_mayHaveRunTheJob_soItsLeaseWaitsOutTheGrace() {
    for (long instance : new long[] {6, 0}) { // another process; an agent that sends no instance
      Running r = runningOnInstance5ThenRestart();
      RecordingLink again = registerInstance(instance, List.of(), List.of(), false);
      commit();
      assertTrue(again.leases().isEmpty(), "instance " + instance + ": not leased again");
      graceEnds();
      assertEquals(DONE_REASON_CRASHED, job(r.id()).getDoneReason());
      assertEquals("coordinator restarted", job(r.id()).getError());
      feed(new Msg.WorkerGone(again, "test"));
    }
  }

  @Test
  void aNeverReachedLease_ofAnAgentThatReconnectsDraining_goesToAnotherWorker() {
    Running r = runningOnInstance5ThenRestart();
    RecordingLink other = h.registerHolding("other", 2);
    RecordingLink again = registerInstance(5, List.of(), List.of(), true);
    commit();
    assertTrue(again.leases().isEmpty(), "a draining agent gets no lease");
    assertEquals(JOB_STATE_RUNNING, job(r.id()).getState());
    assertEquals("other", job(r.id()).getWorker());
    other.leaseFor(r.id());
  }

  @Test
  void leasesNobodyReportsWithinTheGrace_endCrashed() {
    RecordingLink w = register("w");
    submit(JobSpec.newBuilder().setType("t").build());
    commit();
    String id = w.leases().get(0).getJobId();
    h.restart(store.sorted());
    for (int i = 0; i < 105; i++) {
      clock.advance(Duration.ofMillis(100));
      feed(new Msg.Tick());
    }
    commit();
    Job j = job(id);
    assertEquals(DONE_REASON_CRASHED, j.getDoneReason());
    assertEquals("coordinator restarted", j.getError());
  }

  @Test
  void doneJobsOlderThanTheRetention_areForgottenAndDeleted() {
    h = new Harness(CoordinatorConfig.newBuilder().maxDoneAge(Duration.ofMinutes(1)).build(), store);
    Captured<List<String>> r = submit(JobSpec.newBuilder().setType("t").build());
    commit();
    String id = r.get().get(0);
    feed(new Msg.Cancel(id, new Captured<>()));
    commit();
    for (int i = 0; i < 70; i++) {
      h.clock.advance(Duration.ofSeconds(1));
      feed(new Msg.Tick());
    }
    commit();
    assertEquals(JOB_STATE_UNKNOWN, job(id).getState());
    assertTrue(store.rows.isEmpty());
  }

  @Test
  void idsAreNeverReused_evenWhenEveryJobWasForgottenBeforeARestart() {
    h = new Harness(CoordinatorConfig.newBuilder().maxDoneAge(Duration.ofMinutes(1)).build(), store);
    Captured<List<String>> r = submit(JobSpec.newBuilder().setType("t").build());
    commit();
    String first = r.get().get(0);
    feed(new Msg.Cancel(first, new Captured<>()));
    commit();
    for (int i = 0; i < 70; i++) {
      h.clock.advance(Duration.ofSeconds(1));
      feed(new Msg.Tick());
    }
    commit();
    assertTrue(store.rows.isEmpty(), "forgotten and deleted");
    h.restart(store.sorted());
    Captured<List<String>> again = submit(JobSpec.newBuilder().setType("t").build());
    commit();
    assertEquals("inc-1-1", first);
    assertEquals("inc-2-1", again.get().get(0), "a new term, not the forgotten job's id");
    assertEquals(JOB_STATE_UNKNOWN, job(first).getState());
  }

  @Test
  void listJobs_pagesThroughEveryTerm_inOrder_withoutEmptyPages() {
    List<String> submitted = new ArrayList<>();
    for (int term = 0; term < 3; term++) {
      for (int i = 0; i < 3; i++) {
        Captured<List<String>> r = submit(JobSpec.newBuilder().setType("t").build());
        commit();
        submitted.add(r.get().get(0));
      }
      h.restart(store.sorted());
    }
    assertEquals(submitted, listAll(false));
    List<String> newest = new ArrayList<>(submitted);
    java.util.Collections.reverse(newest);
    assertEquals(newest, listAll(true), "newest first, across terms too");
    assertEquals(List.of("inc-1-1", "inc-2-1", "inc-3-1"),
        List.of(submitted.get(0), submitted.get(3), submitted.get(6)));
  }

  /** Every job's id, page by page (two per page), checking no page is empty. */
  private List<String> listAll(boolean newestFirst) {
    List<String> listed = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      Captured<dev.spc.proto.ListJobsResponse> page = new Captured<>();
      feed(new Msg.ListJobs(dev.spc.proto.ListJobsRequest.newBuilder().setPageSize(2)
          .setNewestFirst(newestFirst).setPageToken(token).build(), page));
      page.get().getJobsList().forEach(j -> listed.add(j.getJobId()));
      assertFalse(page.get().getJobsList().isEmpty(), "page " + pages + " is empty");
      token = page.get().getNextPageToken();
      pages++;
    } while (!token.isEmpty());
    return listed;
  }

  @Test
  void jobsOfAStoreFromBeforeTerms_keepTheirIds() {
    Job old = Job.newBuilder().setJobId("inc-7").setState(JOB_STATE_PENDING)
        .setSpec(JobSpec.newBuilder().setType("t")).build();
    byte[] whole = StoredJob.newBuilder().setJob(old).build().toByteArray();
    store.rows.put(7L, new JobRow(7L, whole, null)); // stored whole
    h.restart(store.sorted());
    assertEquals(JOB_STATE_PENDING, job("inc-7").getState());
    Captured<List<String>> r = submit(JobSpec.newBuilder().setType("t").build());
    commit();
    assertEquals("inc-2-1", r.get().get(0));
  }

  @Test
  void aJobStoredWhole_isStoredInTwoPartsAtItsFirstChange_andSurvivesTheNextRestart() {
    Job old = Job.newBuilder().setJobId("inc-7").setState(JOB_STATE_PENDING)
        .setSpec(JobSpec.newBuilder().setType("t").putLabels("team", "a")).build();
    store.rows.put(7L, new JobRow(7L, StoredJob.newBuilder().setJob(old).build().toByteArray(), null));
    h.restart(store.sorted());
    RecordingLink w = register("w");
    commit();
    assertEquals(1, w.leases().size());
    assertTrue(store.rows.get(7L).fixed() != null, "rewritten with its fixed part");
    h.restart(store.sorted());
    Job back = job("inc-7");
    assertEquals(JOB_STATE_RUNNING, back.getState());
    assertEquals("a", back.getSpec().getLabelsOrThrow("team"));
  }

  @Test
  void delayedJobsAndBackoffs_surviveARestart_andTheirTimersAreRebuilt() {
    RecordingLink w = register("w");
    commit();
    Captured<List<String>> delayed = submit(JobSpec.newBuilder().setType("t")
        .setStartAfter(com.google.protobuf.Duration.newBuilder().setSeconds(60)).build());
    commit();
    Captured<List<String>> retried = submit(JobSpec.newBuilder().setType("t")
        .setRetry(dev.spc.proto.RetryPolicy.newBuilder().setMaxAttempts(2)
            .setInitialBackoff(com.google.protobuf.Duration.newBuilder().setSeconds(5))).build());
    commit();
    String retriedId = retried.get().get(0);
    h.result(w, w.leaseFor(retriedId), Outcome.OUTCOME_FAILED, "boom", "");
    commit();
    feed(new Msg.WorkerGone(w, "test"));
    commit();
    assertEquals(dev.spc.proto.JobState.JOB_STATE_SCHEDULED, job(retriedId).getState());
    h.restart(store.sorted());
    Job back = job(retriedId);
    assertEquals(dev.spc.proto.JobState.JOB_STATE_SCHEDULED, back.getState());
    assertEquals(1, back.getAttempt());
    assertEquals("boom", back.getAttempts(0).getError());
    clock.advance(Duration.ofMinutes(2)); // both times passed while it was down
    feed(new Msg.Tick());
    commit();
    RecordingLink w2 = register("w2");
    commit();
    assertEquals(2, w2.leases().size(), "both ran after the restart: " + w2.leases());
    assertEquals(JOB_STATE_RUNNING, job(delayed.get().get(0)).getState());
    assertEquals(2, job(retriedId).getAttempt());
  }

  @Test
  void aRunningJobStoredBeforeAttemptsWereCounted_isOnItsFirstAttempt_andIsNotRetried() {
    Job old = Job.newBuilder().setJobId("inc-3").setState(JOB_STATE_RUNNING).setWorker("gone")
        .setStartedAt(Views.ts(clock.now())).setSpec(JobSpec.newBuilder().setType("t")).build();
    byte[] row = StoredJob.newBuilder().setJob(old).setLeaseId(99).setMaxSeconds(60).build().toByteArray();
    store.rows.put(3L, new JobRow(3L, row, null));
    h.restart(store.sorted());
    h.advance(Duration.ofSeconds(11)); // past the reconnect grace: nobody claimed it
    commit();
    Job j = job("inc-3");
    assertEquals(DONE_REASON_CRASHED, j.getDoneReason(), j.toString());
    assertEquals(1, j.getAttempt());
    assertEquals(1, j.getAttemptsCount());
  }
}
