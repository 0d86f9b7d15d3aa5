package dev.spc.server.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.spc.proto.DependencyOutcome;
import dev.spc.proto.DoneReason;
import dev.spc.proto.JobAttempt;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import dev.spc.proto.store.StoredJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A state row written straight from the record is the bytes protobuf's builders would make. */
class StateRowsTest {
  private final StateRows rows = new StateRows();

  private static JobRecord job(JobSpec spec) {
    return new JobRecord(41, new JobIds("x"), spec, Instant.parse("2026-12-01T10:00:00.5Z"));
  }

  private static JobRecord job() {
    return job(JobSpec.newBuilder().setType("t").build());
  }

  /** The row as the builders make it: the stored state and, while it runs, its lease. */
  private static byte[] built(JobRecord j) {
    StoredJob.Builder b = StoredJob.newBuilder().setJob(Views.storedState(j));
    if (j.state == JobState.JOB_STATE_RUNNING && j.lease != null) {
      b.setLeaseId(j.lease.id).setMaxSeconds(j.lease.maxSeconds)
          .setAgentInstance(j.lease.worker.instanceId);
    }
    return b.build().toByteArray();
  }

  private void assertSameAsBuilt(JobRecord j) throws Exception {
    byte[] direct = rows.encode(j);
    assertEquals(StoredJob.parseFrom(built(j)), StoredJob.parseFrom(direct));
    assertArrayEquals(built(j), direct);
  }

  private static WorkerRecord worker(long instance) {
    WorkerRecord w = new WorkerRecord("w-1", List.of("t"), 4, "host", new RecordingLink("w-1"),
        Instant.EPOCH, 0);
    w.instanceId = instance;
    return w;
  }

  @Test
  void aPendingJob_hasItsStateAndNothingElse() throws Exception {
    assertSameAsBuilt(job());
    dev.spc.proto.Job pending = dev.spc.proto.Job.newBuilder().setState(JobState.JOB_STATE_PENDING).build();
    assertEquals(StoredJob.newBuilder().setJob(pending).build(), StoredJob.parseFrom(rows.encode(job())));
  }

  @Test
  void aRunningJob_carriesItsWorkerStartAttemptAndLease() throws Exception {
    JobRecord j = job();
    j.state = JobState.JOB_STATE_RUNNING;
    j.worker = "w-1";
    j.attempt = 1;
    j.startedAt = Instant.parse("2026-12-01T10:00:01.000000123Z");
    j.lease = LeaseRecord.live(9_000_000_001L, j, worker(77), 3600, 0);
    assertSameAsBuilt(j);
    j.lease = LeaseRecord.live(2, j, worker(-5), 60, 0); // an agent instance may be negative
    j.startedAt = Instant.parse("1969-12-31T23:59:59.5Z"); // and so may a time's seconds
    assertSameAsBuilt(j);
    j.startedAt = Instant.EPOCH; // a time of zero seconds and nanos is still there
    j.lease = LeaseRecord.live(1, j, worker(0), 0, 0); // zero fields are left out
    assertSameAsBuilt(j);
    assertEquals(1, StoredJob.parseFrom(rows.encode(j)).getLeaseId());
  }

  @Test
  void aLeaseIsStoredOnlyWhileTheJobRuns() throws Exception {
    JobRecord j = job();
    j.lease = LeaseRecord.live(5, j, worker(3), 60, 0);
    j.state = JobState.JOB_STATE_DONE;
    j.reason = DoneReason.DONE_REASON_DONE;
    j.finishedAt = Instant.parse("2026-12-01T10:00:02Z");
    assertSameAsBuilt(j);
    assertEquals(0, StoredJob.parseFrom(rows.encode(j)).getLeaseId());
  }

  /** A done job with every output field set, after earlier attempts. */
  private static JobRecord doneWithEverything() {
    JobRecord j = job();
    j.state = JobState.JOB_STATE_DONE;
    j.reason = DoneReason.DONE_REASON_CRASHED;
    j.worker = "wörker-ü"; // not ASCII
    j.attempt = 3;
    j.maxAttempts = 3;
    j.startedAt = Instant.parse("2026-12-01T10:00:01Z");
    j.finishedAt = Instant.parse("2026-12-01T10:00:02.25Z");
    j.error("exit 0 but marked failed: ✗");
    j.result(ByteString.copyFromUtf8("{\"ok\":false}"));
    j.process(0, ByteString.copyFromUtf8("out+err"), ByteString.copyFromUtf8("out"),
        ByteString.copyFromUtf8("err"));
    j.progress(0.25, "a quarter");
    List<JobAttempt> attempts = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      attempts.add(JobAttempt.newBuilder().setAttempt(i).setWorker("w-" + i).setError("boom " + i)
          .setStartedAt(Views.ts(Instant.ofEpochSecond(i))).build());
    }
    j.attempts = attempts;
    return j;
  }

  private static JobRecord scheduledRetry() {
    JobRecord j = job();
    j.state = JobState.JOB_STATE_SCHEDULED;
    j.attempt = 1;
    j.nextAttemptAt = Instant.parse("2026-12-01T10:05:00Z");
    return j;
  }

  private static JobRecord blocked() {
    JobRecord j = job(JobSpec.newBuilder().setType("t").addDependsOn("x-1").addDependsOn("x-2").build());
    j.state = JobState.JOB_STATE_BLOCKED;
    j.dependencyOutcomes = new DependencyOutcome[] {
        DependencyOutcome.newBuilder().setJobId("x-1").setState(JobState.JOB_STATE_DONE)
            .setResult(ByteString.copyFromUtf8("r")).build(),
        null};
    return j;
  }

  private static JobRecord runningWithLease() {
    JobRecord j = job();
    j.state = JobState.JOB_STATE_RUNNING;
    j.lease = LeaseRecord.live(9, j, worker(77), 3600, 0);
    return j;
  }

  @Test
  void aDoneJob_withEveryOutputField_andEarlierAttempts() throws Exception {
    JobRecord j = doneWithEverything();
    assertSameAsBuilt(j);
    j.progress(0.0, ""); // optional: present even when zero
    j.process(-1, ByteString.EMPTY, ByteString.EMPTY, ByteString.EMPTY); // a negative exit code
    assertSameAsBuilt(j);
  }

  @Test
  void aScheduledRetry_carriesWhenItIsDue() throws Exception {
    assertSameAsBuilt(scheduledRetry());
  }

  @Test
  void aBlockedJob_carriesItsDependenciesOutcomes_doneOrNot() throws Exception {
    assertSameAsBuilt(blocked());
  }

  /**
   * Every field of a stored job is written by these state rows or by the fixed part (or is the
   * view's alone): a field added to the protocol fails here until it is written, or said to be
   * fixed, rather than being silently left out of every stored state.
   */
  @Test
  void everyFieldOfAStoredJob_isWrittenByTheStateOrIsFixed() throws Exception {
    Set<String> written = new TreeSet<>();
    Set<String> writtenOfJob = new TreeSet<>();
    for (JobRecord j : List.of(doneWithEverything(), scheduledRetry(), blocked(), runningWithLease())) {
      StoredJob row = StoredJob.parseFrom(rows.encode(j));
      row.getAllFields().keySet().forEach(f -> written.add(f.getName()));
      row.getJob().getAllFields().keySet().forEach(f -> writtenOfJob.add(f.getName()));
    }
    StoredJob fixed = StoredJob.parseFrom(rows.encodeFixed(fixedWithEverything()));
    fixed.getAllFields().keySet().forEach(f -> written.add(f.getName()));
    fixed.getJob().getAllFields().keySet().forEach(f -> writtenOfJob.add(f.getName()));
    for (var f : dev.spc.proto.Job.getDescriptor().getFields()) {
      assertTrue(writtenOfJob.contains(f.getName()) || f.getName().equals("pending_reason"),
          "Job." + f.getName() + " is written neither in a stored state nor in the fixed part");
    }
    for (var f : StoredJob.getDescriptor().getFields()) {
      assertTrue(written.contains(f.getName()),
          "StoredJob." + f.getName() + " is written neither in a stored state nor in the fixed part");
    }
  }

  /** The fixed part as the builders make it: the job's fixed fields and its batch. */
  private static byte[] builtFixed(JobRecord j) {
    StoredJob.Builder f = StoredJob.newBuilder().setJob(Views.storedFixed(j));
    if (!j.batchKey.isEmpty()) {
      f.setBatchKey(j.batchKey).setBatchIndex(j.batchIndex);
    }
    return f.build().toByteArray();
  }

  private void assertFixedSameAsBuilt(JobRecord j) throws Exception {
    byte[] direct = rows.encodeFixed(j);
    assertEquals(StoredJob.parseFrom(builtFixed(j)), StoredJob.parseFrom(direct));
    assertArrayEquals(builtFixed(j), direct);
  }

  /** A scheduled re-run from a batch, retried, with a spec that sets maps, lists and a payload. */
  private static JobRecord fixedWithEverything() {
    JobRecord j = job(JobSpec.newBuilder().setType("t").addArgs("a").addArgs("b").setPriority(-3)
        .setPayload(ByteString.copyFromUtf8("p")).putEnv("K", "v").putLabels("team", "x")
        .putConstraints("zone", "eu").setMaxSeconds(0).setConcurrencyKey("k").build());
    j.batchKey = "batch-1";
    j.batchIndex = 7;
    j.maxAttempts = 3;
    j.origin = new JobRecord.Origin("mi8tq1k0-1-9", "nightly", Instant.parse("2026-12-02T03:00:00Z"));
    return j;
  }

  @Test
  void theFixedPart_isWhatTheBuildersMake() throws Exception {
    assertFixedSameAsBuilt(job()); // no batch, no origin, one attempt
    assertFixedSameAsBuilt(job(JobSpec.getDefaultInstance())); // an empty spec is still there
    assertFixedSameAsBuilt(fixedWithEverything());
    JobRecord first = fixedWithEverything();
    first.batchIndex = 0; // the first of its batch: the index is left out, the key is not
    first.origin = new JobRecord.Origin("", "", null);
    assertFixedSameAsBuilt(first);
    StoredJob back = StoredJob.parseFrom(rows.encodeFixed(fixedWithEverything()));
    assertEquals("x", back.getJob().getSpec().getLabelsOrThrow("team"));
    assertEquals("nightly", back.getJob().getScheduleId());
  }

  @Test
  void aSpecLongerThanTheScratchBuffer_isWrittenWhole() throws Exception {
    byte[] payload = new byte[70_000];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) i;
    }
    assertFixedSameAsBuilt(job(JobSpec.newBuilder().setType("t").setPayload(ByteString.copyFrom(payload)).build()));
    assertFixedSameAsBuilt(job()); // and the buffer still serves small rows after growing
  }

  @Test
  void outputLongerThanTheScratchBuffer_isWrittenWhole() throws Exception {
    JobRecord j = job();
    j.state = JobState.JOB_STATE_DONE;
    byte[] tail = new byte[70_000];
    for (int i = 0; i < tail.length; i++) {
      tail[i] = (byte) i;
    }
    j.process(1, ByteString.copyFrom(tail), ByteString.copyFrom(tail, 0, 1000), ByteString.EMPTY);
    assertSameAsBuilt(j);
    assertSameAsBuilt(job()); // and the buffer still serves small rows after growing
  }

  /** Strings of every length around the buffer's edges, ASCII or not, in a fresh buffer each time. */
  @Test
  void stringsAndBytesOfAnyLength_areWrittenAsTheBuildersWould() throws Exception {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
    for (int i = 0; i < 400; i++) {
      JobRecord j = doneWithEverything();
      j.worker = text(rnd, rnd.nextInt(600));
      j.error(text(rnd, rnd.nextInt(600)));
      byte[] tail = new byte[rnd.nextInt(700)];
      rnd.nextBytes(tail);
      j.process(rnd.nextInt(-3, 3), ByteString.copyFrom(tail), ByteString.EMPTY, ByteString.copyFrom(tail, 0, tail.length / 2));
      j.progress(rnd.nextDouble(), text(rnd, rnd.nextInt(300)));
      j.attempts = null;
      byte[] direct = new StateRows().encode(j);
      assertArrayEquals(built(j), direct, "job " + i);
    }
  }

  private static String text(java.util.SplittableRandom rnd, int length) {
    StringBuilder b = new StringBuilder(length);
    boolean ascii = rnd.nextBoolean();
    for (int i = 0; i < length; i++) {
      b.append(ascii || rnd.nextInt(20) > 0 ? (char) rnd.nextInt(32, 127) : "é✗😀".charAt(rnd.nextInt(2)));
    }
    return b.toString();
  }
}
