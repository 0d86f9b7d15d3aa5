package dev.spc.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import dev.spc.proto.ListJobsRequest;
import dev.spc.proto.ListJobsResponse;
import dev.spc.proto.Register;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rule 14 (docs/rules.md): bad input gets INVALID_ARGUMENT naming the field and the limit, and changes nothing. */
class BadInputTest {
  final Harness h = new Harness();

  private Failure refused(JobSpec spec) {
    Captured<List<String>> r = h.trySubmit(spec);
    assertTrue(r.failure != null, "expected a refusal");
    assertEquals(Failure.Code.INVALID_ARGUMENT, r.failure.code());
    return r.failure;
  }

  @Test
  void emptyType() {
    assertEquals("job.type must not be empty", refused(JobSpec.newBuilder().build()).message());
  }

  @Test
  void typeWithSpaces() {
    assertTrue(refused(Harness.spec("a b")).message().startsWith("job.type must be 1-128 characters"));
  }

  @Test
  void negativeMaxSeconds() {
    assertEquals("job.max_seconds must be between 0 and 604800, got -1",
        refused(JobSpec.newBuilder().setType("t").setMaxSeconds(-1).build()).message());
  }

  @Test
  void maxSecondsOverSevenDays() {
    assertEquals("job.max_seconds must be between 0 and 604800, got 604801",
        refused(JobSpec.newBuilder().setType("t").setMaxSeconds(604801).build()).message());
  }

  @Test
  void oversizedPayload() {
    JobSpec spec = JobSpec.newBuilder().setType("t")
        .setPayload(ByteString.copyFrom(new byte[(1 << 20) + 1])).build();
    assertEquals("job.payload is 1048577 bytes, limit 1048576", refused(spec).message());
  }

  @Test
  void oversizedArgs() {
    String big = "x".repeat(40_000);
    JobSpec spec = JobSpec.newBuilder().setType("t").addArgs(big).addArgs(big).build();
    assertEquals("job.args total 80000 bytes, limit 65536", refused(spec).message());
  }

  @Test
  void malformedIds() {
    Captured<dev.spc.proto.Job> r = new Captured<>();
    h.feed(new Msg.GetJob("not an id", r));
    assertEquals(Failure.Code.INVALID_ARGUMENT, r.failure.code());
    assertTrue(r.failure.message().startsWith("job_id is malformed: 'not an id'"), r.failure.message());
    Captured<dev.spc.proto.CancelJobResponse> c = new Captured<>();
    h.feed(new Msg.Cancel("", c));
    assertEquals(Failure.Code.INVALID_ARGUMENT, c.failure.code());
    Captured<dev.spc.proto.Job> w = new Captured<>();
    h.feed(new Msg.Wait(1, List.of("abc-1", "??"), true, w));
    assertTrue(w.failure.message().startsWith("job_ids[1] is malformed"), w.failure.message());
  }

  @Test
  void batchIsAllOrNothing_andNamesTheBadIndex() {
    Captured<List<String>> r = h.trySubmitBatch(Harness.spec("ok"), Harness.spec(""));
    assertEquals("jobs[1].type must not be empty", r.failure.message());
    assertEquals(0, h.c.pendingCount(), "a refused batch adds nothing");
    Captured<ListJobsResponse> list = new Captured<>();
    h.feed(new Msg.ListJobs(ListJobsRequest.getDefaultInstance(), list));
    assertEquals(0, list.get().getJobsCount());
  }

  @Test
  void submitEach_acceptsOrRefusesEveryJobAlone_asSingleSubmitsWould() {
    Harness small = new Harness(CoordinatorConfig.newBuilder().maxPendingJobs(3).build());
    JobSpec keyed = JobSpec.newBuilder().setType("t").setIdempotencyKey("k1").build();
    Captured<List<Msg.Outcome>> r = new Captured<>();
    small.feed(new Msg.SubmitEach(List.of(Harness.spec("ok"), Harness.spec(""), keyed, keyed,
        Harness.spec("t"), Harness.spec("t")), r));
    List<Msg.Outcome> o = r.get();
    assertEquals(6, o.size());
    assertTrue(o.get(0).failure() == null && !o.get(0).jobId().isEmpty());
    assertEquals("job.type must not be empty", o.get(1).failure().message(), "named as a single submit's");
    assertEquals(o.get(2).jobId(), o.get(3).jobId(), "a repeated key is the first job");
    assertTrue(o.get(4).failure() == null);
    assertEquals(Failure.Code.RESOURCE_EXHAUSTED, o.get(5).failure().code(), "the fourth fresh job is over capacity");
    assertEquals(3, small.c.pendingCount());
  }

  @Test
  void submitEach_refusedWhole_whenEmptyOrOverTheBatchLimit() {
    Harness small = new Harness(CoordinatorConfig.newBuilder().maxBatchSize(2).build());
    Captured<List<Msg.Outcome>> empty = new Captured<>();
    small.feed(new Msg.SubmitEach(List.of(), empty));
    assertEquals("jobs must not be empty", empty.failure.message());
    Captured<List<Msg.Outcome>> big = new Captured<>();
    small.feed(new Msg.SubmitEach(List.of(Harness.spec("t"), Harness.spec("t"), Harness.spec("t")), big));
    assertEquals("jobs has 3 specs, limit 2 per call", big.failure.message());
    assertEquals(0, small.c.pendingCount(), "nothing created");
  }

  @Test
  void emptyBatch() {
    assertEquals("jobs must not be empty", h.trySubmitBatch().failure.message());
  }

  @Test
  void fullQueue_isResourceExhausted() {
    Harness small = new Harness(CoordinatorConfig.newBuilder().maxPendingJobs(2).build());
    small.submit("t");
    small.submit("t");
    Captured<List<String>> r = small.trySubmit(Harness.spec("t"));
    assertEquals(Failure.Code.RESOURCE_EXHAUSTED, r.failure.code());
    assertEquals("pending queue is full: 2 jobs pending or scheduled, capacity 2", r.failure.message());
  }

  @Test
  void idempotencyKey_returnsTheFirstJobsId_andCreatesNothing() {
    JobSpec spec = JobSpec.newBuilder().setType("t").setIdempotencyKey("k1").build();
    String a = h.submit(spec);
    String b = h.submit(spec);
    assertEquals(a, b);
    assertEquals(1, h.c.pendingCount());
    List<String> batch = h.trySubmitBatch(spec, JobSpec.newBuilder().setType("t")
        .setIdempotencyKey("k2").build(), JobSpec.newBuilder().setType("t")
        .setIdempotencyKey("k2").build()).get();
    assertEquals(a, batch.get(0));
    assertEquals(batch.get(1), batch.get(2));
    assertEquals(2, h.c.pendingCount());
  }

  @Test
  void aBatchIdempotencyKey_returnsTheFirstBatchsIds_andCreatesNothing() {
    Captured<List<String>> first = new Captured<>();
    h.feed(new Msg.Submit(List.of(Harness.spec("t"), Harness.spec("t")), true, "b1", first));
    Captured<List<String>> again = new Captured<>();
    h.feed(new Msg.Submit(List.of(Harness.spec("t"), Harness.spec("t")), true, "b1", again));
    assertEquals(first.get(), again.get());
    assertEquals(2, h.c.pendingCount());
    Captured<List<String>> other = new Captured<>();
    h.feed(new Msg.Submit(List.of(Harness.spec("t")), true, "b1", other));
    assertEquals("idempotency_key 'b1' was used for a batch of 2 jobs, this one has 1",
        other.failure.message());
  }

  @Test
  void badRegistrations_areRefusedNamingTheField() {
    RecordingLink noTypes = new RecordingLink("x");
    h.feed(new Msg.WorkerRegister(noTypes, Register.newBuilder().setName("x").build()));
    assertEquals("register.job_types must not be empty", noTypes.closedWith.message());
    RecordingLink badName = new RecordingLink("x");
    h.feed(new Msg.WorkerRegister(badName, Register.newBuilder().setName("a b").addJobTypes("t").build()));
    assertTrue(badName.closedWith.message().startsWith("register.name must be"));
    RecordingLink slots = new RecordingLink("x");
    h.feed(new Msg.WorkerRegister(slots, Register.newBuilder().setName("x").addJobTypes("t")
        .setSlots(5000).build()));
    assertEquals("register.slots must be between 1 and 1024, got 5000", slots.closedWith.message());
  }

  @Test
  void secondRegisterOnTheSameStream_isAProtocolViolation() {
    RecordingLink w = h.register("w", 1, "t");
    String id = h.submit("t");
    h.feed(new Msg.WorkerRegister(w, Register.newBuilder().setName("w2").addJobTypes("t").build()));
    assertEquals(Failure.Code.INVALID_ARGUMENT, w.closedWith.code());
    assertEquals(dev.spc.proto.DoneReason.DONE_REASON_CRASHED, h.job(id).getDoneReason());
  }

  @Test
  void listPaging_walksEveryJobOnceInSubmissionOrder() {
    for (int i = 0; i < 25; i++) {
      h.submit("t");
    }
    String token = "";
    int seen = 0;
    do {
      Captured<ListJobsResponse> r = new Captured<>();
      h.feed(new Msg.ListJobs(ListJobsRequest.newBuilder().setPageSize(10).setPageToken(token)
          .setState(JobState.JOB_STATE_PENDING).build(), r));
      seen += r.get().getJobsCount();
      token = r.get().getNextPageToken();
    } while (!token.isEmpty());
    assertEquals(25, seen);
    Captured<ListJobsResponse> bad = new Captured<>();
    h.feed(new Msg.ListJobs(ListJobsRequest.newBuilder().setPageSize(5000).build(), bad));
    assertEquals("page_size must be between 0 and 1000, got 5000", bad.failure.message());
  }
}
