package dev.spc.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.client.SpcException;
import dev.spc.proto.JobSpec;
import dev.spc.proto.SubmitEachJobRequest;
import dev.spc.proto.SubmitEachJobResponse;
import dev.spc.proto.SubmitOutcome;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Single submits sent together while calls are out, each job answered on its own. */
class SubmitCoalescerTest {
  /** Records the calls; the test answers them. */
  static final class Calls implements SubmitCoalescer.Sender {
    final List<JobSpec> ones = new ArrayList<>();
    final List<CompletableFuture<String>> oneAnswers = new ArrayList<>();
    final List<SubmitEachJobRequest> eaches = new ArrayList<>();
    final List<CompletableFuture<SubmitEachJobResponse>> eachAnswers = new ArrayList<>();

    @Override
    public CompletableFuture<String> one(JobSpec spec) {
      ones.add(spec);
      CompletableFuture<String> f = new CompletableFuture<>();
      oneAnswers.add(f);
      return f;
    }

    @Override
    public CompletableFuture<SubmitEachJobResponse> each(SubmitEachJobRequest request) {
      eaches.add(request);
      CompletableFuture<SubmitEachJobResponse> f = new CompletableFuture<>();
      eachAnswers.add(f);
      return f;
    }
  }

  final Calls calls = new Calls();
  final SubmitCoalescer c = new SubmitCoalescer(calls, true);

  static JobSpec spec(String type) {
    return JobSpec.newBuilder().setType(type).build();
  }

  static SubmitOutcome ok(String id) {
    return SubmitOutcome.newBuilder().setJobId(id).build();
  }

  static Throwable failure(CompletableFuture<?> f) {
    try {
      f.get();
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void submitsWhileCallsAreOut_goTogetherWhenOneComesBack() throws Exception {
    CompletableFuture<String> a = c.submit(spec("a"));
    CompletableFuture<String> b = c.submit(spec("b"));
    assertEquals(2, calls.ones.size(), "two alone at once: nothing waits for company");
    CompletableFuture<String> x = c.submit(spec("x"));
    CompletableFuture<String> y = c.submit(spec("y"));
    CompletableFuture<String> z = c.submit(spec("z"));
    assertEquals(0, calls.eaches.size(), "queued while two calls are out");
    calls.oneAnswers.get(0).complete("id-a");
    assertEquals("id-a", a.get());
    assertEquals(1, calls.eaches.size());
    assertEquals(List.of(spec("x"), spec("y"), spec("z")), calls.eaches.get(0).getJobsList());
    calls.eachAnswers.get(0).complete(SubmitEachJobResponse.newBuilder().addOutcomes(ok("id-x"))
        .addOutcomes(SubmitOutcome.newBuilder().setCode(Status.Code.INVALID_ARGUMENT.value())
            .setMessage("job.type must be 1-128 characters"))
        .addOutcomes(ok("id-z")).build());
    assertEquals("id-x", x.get());
    SpcException refused = assertInstanceOf(SpcException.InvalidArgument.class, failure(y));
    assertTrue(refused.getMessage().contains("job.type must be 1-128 characters"), refused.getMessage());
    assertEquals("id-z", z.get());
    assertFalse(b.isDone(), "the other call still out");
    calls.oneAnswers.get(1).complete("id-b");
    assertEquals("id-b", b.get());
    c.submit(spec("later"));
    assertEquals(3, calls.ones.size(), "with the calls back, a submit goes alone again");
  }

  @Test
  void aFailedCall_failsEveryJobOfIt() {
    c.submit(spec("a"));
    c.submit(spec("b"));
    CompletableFuture<String> x = c.submit(spec("x"));
    CompletableFuture<String> y = c.submit(spec("y"));
    calls.oneAnswers.get(0).complete("id-a");
    calls.eachAnswers.get(0).completeExceptionally(
        SpcException.from(Status.UNAVAILABLE.withDescription("gone").asRuntimeException()));
    assertInstanceOf(SpcException.Unavailable.class, failure(x));
    assertInstanceOf(SpcException.Unavailable.class, failure(y));
  }

  @Test
  void aCoordinatorWithoutSubmitEachJob_getsSingleSubmits() throws Exception {
    c.submit(spec("a"));
    c.submit(spec("b"));
    CompletableFuture<String> x = c.submit(spec("x"));
    CompletableFuture<String> y = c.submit(spec("y"));
    calls.oneAnswers.get(0).complete("id-a");
    calls.eachAnswers.get(0).completeExceptionally(
        SpcException.from(Status.UNIMPLEMENTED.asRuntimeException()));
    assertEquals(List.of(spec("a"), spec("b"), spec("x"), spec("y")), calls.ones);
    calls.oneAnswers.get(2).complete("id-x");
    calls.oneAnswers.get(3).complete("id-y");
    assertEquals("id-x", x.get());
    assertEquals("id-y", y.get());
    for (int i = 0; i < 5; i++) {
      c.submit(spec("more"));
    }
    assertEquals(1, calls.eaches.size(), "never asked again");
    assertEquals(9, calls.ones.size());
  }

  @Test
  void aGroupOverTheCoordinatorsMessageLimit_goesSingly() throws Exception {
    c.submit(spec("a"));
    c.submit(spec("b"));
    CompletableFuture<String> x = c.submit(spec("x"));
    c.submit(spec("y"));
    calls.oneAnswers.get(0).complete("id-a");
    calls.eachAnswers.get(0).completeExceptionally(
        SpcException.from(Status.RESOURCE_EXHAUSTED.withDescription("message too large").asRuntimeException()));
    assertEquals(List.of(spec("a"), spec("b"), spec("x"), spec("y")), calls.ones);
    calls.oneAnswers.get(2).complete("id-x");
    assertEquals("id-x", x.get());
  }

  @Test
  void anAnswerWithTheWrongNumberOfOutcomes_failsTheJobs() {
    c.submit(spec("a"));
    c.submit(spec("b"));
    CompletableFuture<String> x = c.submit(spec("x"));
    c.submit(spec("y"));
    calls.oneAnswers.get(0).complete("id-a");
    calls.eachAnswers.get(0).complete(SubmitEachJobResponse.newBuilder().addOutcomes(ok("id-x")).build());
    assertInstanceOf(SpcException.Internal.class, failure(x));
  }

  @Test
  void aLongQueue_goesInGroupsOfAtMostMaxJobs() {
    c.submit(spec("a"));
    c.submit(spec("b"));
    for (int i = 0; i < SubmitCoalescer.MAX_JOBS + 10; i++) {
      c.submit(spec("q"));
    }
    calls.oneAnswers.get(0).complete("id-a");
    assertEquals(SubmitCoalescer.MAX_JOBS, calls.eaches.get(0).getJobsCount());
    calls.oneAnswers.get(1).complete("id-b");
    assertEquals(10, calls.eaches.get(1).getJobsCount(), "the rest in the call whose place freed");
  }

  @Test
  void off_everySubmitIsASingleCall() {
    SubmitCoalescer alone = new SubmitCoalescer(calls, false);
    for (int i = 0; i < 5; i++) {
      alone.submit(spec("a"));
    }
    assertEquals(5, calls.ones.size());
    assertTrue(calls.eaches.isEmpty());
  }
}
