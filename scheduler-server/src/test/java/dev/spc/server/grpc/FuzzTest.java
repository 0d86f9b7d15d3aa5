package dev.spc.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.spc.proto.AdminServiceGrpc;
import dev.spc.proto.CancelJobRequest;
import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.GetJobRequest;
import dev.spc.proto.GetStatsRequest;
import dev.spc.proto.Heartbeat;
import dev.spc.proto.JobResult;
import dev.spc.proto.JobResults;
import dev.spc.proto.JobServiceGrpc;
import dev.spc.proto.JobSpec;
import dev.spc.proto.ListJobsRequest;
import dev.spc.proto.ListWorkersRequest;
import dev.spc.proto.Register;
import dev.spc.proto.SlotStuck;
import dev.spc.proto.Stats;
import dev.spc.proto.StopWorkerRequest;
import dev.spc.proto.SubmitJobRequest;
import dev.spc.proto.SubmitJobsRequest;
import dev.spc.proto.WaitAnyJobRequest;
import dev.spc.proto.WaitJobRequest;
import dev.spc.proto.WorkerMessage;
import dev.spc.proto.WorkerServiceGrpc;
import dev.spc.server.testing.InProcessCoordinator;
import dev.spc.server.loop.CoordinatorConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated input on every JobService and AdminService call and on worker streams:
 * each call gets a clear status, the coordinator stays up and its counters stay consistent.
 * Seeded; the seed is printed so that a failure can be replayed with -Dspc.fuzz.seed=N.
 */
class FuzzTest {
  static final Set<Status.Code> CLEAR = EnumSet.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
      Status.Code.NOT_FOUND, Status.Code.RESOURCE_EXHAUSTED, Status.Code.DEADLINE_EXCEEDED);

  InProcessCoordinator coordinator;
  ManagedChannel channel;
  final List<String> ids = new ArrayList<>();
  Random rnd;

  @BeforeEach
  void start() throws Exception {
    long seed = Long.getLong("spc.fuzz.seed", System.nanoTime());
    System.out.println("FuzzTest seed " + seed);
    rnd = new Random(seed);
    coordinator = InProcessCoordinator.start(CoordinatorConfig.newBuilder().maxPendingJobs(500).build());
    channel = coordinator.channel();
  }

  @AfterEach
  void stop() throws Exception {
    coordinator.close();
  }

  String text() {
    return switch (rnd.nextInt(8)) {
      case 0 -> "";
      case 1 -> "x".repeat(rnd.nextInt(200_000));
      case 2 -> "日本語\u0000\n\t\"'";
      case 3 -> ids.isEmpty() ? "abc-1" : ids.get(rnd.nextInt(ids.size()));
      case 4 -> ids.isEmpty() ? "zz-9" : mutate(ids.get(rnd.nextInt(ids.size())));
      case 5 -> "noop";
      case 6 -> Long.toString(rnd.nextLong());
      default -> "t" + rnd.nextInt(5);
    };
  }

  String mutate(String s) {
    StringBuilder b = new StringBuilder(s);
    int i = rnd.nextInt(b.length());
    b.setCharAt(i, (char) (' ' + rnd.nextInt(90)));
    return b.toString();
  }

  int number() {
    return switch (rnd.nextInt(5)) {
      case 0 -> -rnd.nextInt(Integer.MAX_VALUE);
      case 1 -> Integer.MAX_VALUE;
      case 2 -> 0;
      default -> rnd.nextInt(100);
    };
  }

  JobSpec spec() {
    JobSpec.Builder b = JobSpec.newBuilder().setType(text()).setPriority(number());
    for (int i = rnd.nextInt(4); i > 0; i--) {
      b.addArgs(text());
    }
    if (rnd.nextBoolean()) {
      b.setMaxSeconds(number());
    }
    if (rnd.nextInt(4) == 0) {
      b.setPayload(ByteString.copyFrom(new byte[rnd.nextInt(1_200_000)]));
    }
    if (rnd.nextInt(4) == 0) {
      b.setIdempotencyKey(text());
    }
    if (rnd.nextInt(6) == 0) {
      b.putEnv(text(), text());
    }
    return b.build();
  }

  @Test
  void randomCalls_getClearStatuses_andTheCoordinatorStaysConsistent() {
    var jobs = JobServiceGrpc.newBlockingStub(channel);
    var admin = AdminServiceGrpc.newBlockingStub(channel);
    for (int i = 0; i < 1500; i++) {
      var j = jobs.withDeadlineAfter(200, TimeUnit.MILLISECONDS);
      var a = admin.withDeadlineAfter(200, TimeUnit.MILLISECONDS);
      try {
        switch (rnd.nextInt(10)) {
          case 0 -> ids.add(j.submitJob(SubmitJobRequest.newBuilder().setJob(spec()).build()).getJobId());
          case 1 -> {
            SubmitJobsRequest.Builder r = SubmitJobsRequest.newBuilder();
            for (int k = rnd.nextInt(5); k > 0; k--) {
              r.addJobs(spec());
            }
            ids.addAll(j.submitJobs(r.build()).getJobIdsList());
          }
          case 2 -> j.getJob(GetJobRequest.newBuilder().setJobId(text()).build());
          case 3 -> j.cancelJob(CancelJobRequest.newBuilder().setJobId(text()).build());
          case 4 -> j.waitJob(WaitJobRequest.newBuilder().setJobId(text()).build());
          case 5 -> j.waitAnyJob(WaitAnyJobRequest.newBuilder().addJobIds(text()).addJobIds(text()).build());
          case 6 -> j.listJobs(ListJobsRequest.newBuilder().setStateValue(rnd.nextInt(7) - 1)
              .setPageSize(number()).setPageToken(text()).build());
          case 7 -> a.listWorkers(ListWorkersRequest.getDefaultInstance());
          case 8 -> a.stopWorker(StopWorkerRequest.newBuilder().setName(text()).setDrain(rnd.nextBoolean()).build());
          default -> a.getStats(GetStatsRequest.getDefaultInstance());
        }
      } catch (StatusRuntimeException e) {
        assertTrue(CLEAR.contains(e.getStatus().getCode()), "call " + i + ": " + e.getStatus());
        assertTrue(e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
            || e.getStatus().getDescription() != null, "a status without a message: " + e.getStatus());
      }
    }
    assertHealthyAndConsistent();
  }

  @Test
  void randomWorkerStreams_breakingTheProtocol_hurtNothing() throws Exception {
    var jobs = JobServiceGrpc.newBlockingStub(channel);
    for (int i = 0; i < 30; i++) {
      ids.add(jobs.submitJob(SubmitJobRequest.newBuilder().setJob(JobSpec.newBuilder().setType("t" + (i % 3))).build()).getJobId());
    }
    for (int s = 0; s < 60; s++) {
      StreamObserver<WorkerMessage> out = WorkerServiceGrpc.newStub(channel).connect(new StreamObserver<CoordinatorMessage>() {
        @Override
        public void onNext(CoordinatorMessage m) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
      for (int k = rnd.nextInt(8); k >= 0; k--) {
        WorkerMessage m = switch (rnd.nextInt(6)) {
          case 0 -> WorkerMessage.newBuilder().setRegister(Register.newBuilder().setName(text())
              .addJobTypes(text()).addJobTypes("t" + rnd.nextInt(3)).setSlots(number())
              .addHeldLeaseIds(rnd.nextLong())).build();
          case 1 -> WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder()
              .addRunningLeaseIds(rnd.nextLong())).build();
          case 2 -> WorkerMessage.newBuilder().setResults(JobResults.newBuilder().addResults(
              JobResult.newBuilder().setLeaseId(rnd.nextLong()).setOutcomeValue(rnd.nextInt(6))
                  .setError(text()))).build();
          case 3 -> WorkerMessage.newBuilder().setStuck(SlotStuck.newBuilder().setLeaseId(rnd.nextLong())).build();
          case 4 -> WorkerMessage.getDefaultInstance();
          default -> WorkerMessage.newBuilder().setRegister(Register.newBuilder().setName("w" + rnd.nextInt(3))
              .addJobTypes("t" + rnd.nextInt(3)).setSlots(1 + rnd.nextInt(3))).build();
        };
        out.onNext(m);
      }
      if (rnd.nextBoolean()) {
        out.onCompleted();
      } else {
        out.onError(new RuntimeException("gone"));
      }
    }
    assertHealthyAndConsistent();
  }

  void assertHealthyAndConsistent() {
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Stats s;
    do {
      s = AdminServiceGrpc.newBlockingStub(channel).getStats(GetStatsRequest.getDefaultInstance());
    } while (s.getWorkers() > 0 && System.nanoTime() < deadline); // streams closing
    assertTrue(s.getPending() >= 0 && s.getRunning() >= 0 && s.getDone() >= 0, s.toString());
    assertEquals(s.getSubmittedTotal(), s.getPending() + s.getRunning() + s.getDone(), s.toString());
    assertEquals(s.getDone(), s.getDoneDone() + s.getDoneTimeout() + s.getDoneCancelled()
        + s.getDoneCrashed(), s.toString());
  }
}
