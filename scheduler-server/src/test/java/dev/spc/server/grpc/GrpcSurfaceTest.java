package dev.spc.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.Heartbeat;
import dev.spc.proto.Register;
import dev.spc.proto.WorkerMessage;
import dev.spc.proto.WorkerServiceGrpc;
import dev.spc.server.testing.InProcessCoordinator;
import dev.spc.server.loop.CoordinatorConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The served surface: health, reflection v1 and v1alpha, worker-stream violations. */
class GrpcSurfaceTest {
  InProcessCoordinator coordinator;
  ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    coordinator = InProcessCoordinator.start(CoordinatorConfig.defaults());
    channel = coordinator.channel();
  }

  @AfterEach
  void stop() throws Exception {
    coordinator.close();
  }

  @Test
  void healthIsServing() {
    HealthCheckResponse r = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, r.getStatus());
  }

  @Test
  void reflectionV1ListsTheServices() throws Exception {
    var f = new CompletableFuture<List<String>>();
    var req = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(
        new StreamObserver<io.grpc.reflection.v1.ServerReflectionResponse>() {
          @Override
          public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
            f.complete(r.getListServicesResponse().getServiceList().stream()
                .map(io.grpc.reflection.v1.ServiceResponse::getName).toList());
          }

          @Override
          public void onError(Throwable t) {
            f.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    req.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> services = f.get(5, TimeUnit.SECONDS);
    req.onCompleted();
    assertTrue(services.containsAll(List.of("spc.v1.JobService", "spc.v1.AdminService",
        "spc.v1.WorkerService", "grpc.health.v1.Health")), services.toString());
  }

  @Test
  @SuppressWarnings("deprecation")
  void reflectionV1alphaListsTheServices() throws Exception {
    var f = new CompletableFuture<List<String>>();
    var req = io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(
        new StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionResponse>() {
          @Override
          public void onNext(io.grpc.reflection.v1alpha.ServerReflectionResponse r) {
            f.complete(r.getListServicesResponse().getServiceList().stream()
                .map(io.grpc.reflection.v1alpha.ServiceResponse::getName).toList());
          }

          @Override
          public void onError(Throwable t) {
            f.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    req.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("").build());
    assertTrue(f.get(5, TimeUnit.SECONDS).contains("spc.v1.JobService"));
    req.onCompleted();
  }

  /** Collects what the coordinator sends on one worker stream. */
  static final class Inbox implements StreamObserver<CoordinatorMessage> {
    final List<CoordinatorMessage> got = new ArrayList<>();
    final CompletableFuture<Status> closed = new CompletableFuture<>();

    @Override
    public synchronized void onNext(CoordinatorMessage m) {
      got.add(m);
    }

    @Override
    public void onError(Throwable t) {
      closed.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      closed.complete(Status.OK);
    }
  }

  @Test
  void aMessageBeforeRegistration_endsTheStreamWithInvalidArgument() throws Exception {
    Inbox in = new Inbox();
    var out = WorkerServiceGrpc.newStub(channel).connect(in);
    out.onNext(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build());
    Status s = in.closed.get(5, TimeUnit.SECONDS);
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
    assertTrue(s.getDescription().contains("first message must be Register"), s.getDescription());
  }

  @Test
  void aSecondRegistrationOnTheStream_endsIt_andTheNameIsFreeAgain() throws Exception {
    Inbox in = new Inbox();
    var out = WorkerServiceGrpc.newStub(channel).connect(in);
    Register reg = Register.newBuilder().setName("w").addJobTypes("t").build();
    out.onNext(WorkerMessage.newBuilder().setRegister(reg).build());
    out.onNext(WorkerMessage.newBuilder().setRegister(reg).build());
    assertEquals(Status.Code.INVALID_ARGUMENT, in.closed.get(5, TimeUnit.SECONDS).getCode());
    assertTrue(in.got.get(0).hasRegistered());
    Inbox again = new Inbox();
    WorkerServiceGrpc.newStub(channel).connect(again)
        .onNext(WorkerMessage.newBuilder().setRegister(reg).build());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (again.got.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(again.got.get(0).hasRegistered());
    assertEquals(30_00, again.got.get(0).getRegistered().getHeartbeatTimeoutMs());
  }
}
