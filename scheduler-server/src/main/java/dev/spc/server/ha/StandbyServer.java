package dev.spc.server.ha;

import dev.spc.proto.AdminServiceGrpc;
import dev.spc.proto.Cluster;
import dev.spc.proto.GetClusterRequest;
import dev.spc.proto.GetStatsRequest;
import dev.spc.proto.LeaderHint;
import dev.spc.proto.ListWorkersRequest;
import dev.spc.proto.ListWorkersResponse;
import dev.spc.proto.Stats;
import dev.spc.proto.StopWorkerRequest;
import dev.spc.proto.StopWorkerResponse;
import io.grpc.HandlerRegistry;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What a standby coordinator serves on its port: health (serving: the process is up; the
 * {@code spc.v1.JobService} entry says NOT_SERVING), reflection (v1 and v1alpha, as a leader),
 * {@code AdminService/GetCluster},
 * and for every other call UNAVAILABLE naming the leader ({@link LeaderHint}).
 */
final class StandbyServer {
  private StandbyServer() {}

  static Server build(ServerBuilder<?> sb, Supplier<Cluster> view,
      Supplier<@Nullable String> storeProblem) {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus("spc.v1.JobService", ServingStatus.NOT_SERVING);
    return sb.directExecutor()
        .addService(new Admin(view, storeProblem))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(dev.spc.server.CoordinatorServer.legacyReflection())
        .fallbackHandlerRegistry(new Refuser(view, storeProblem))
        .build();
  }

  /**
   * The standby's HTTP port: the same API, where GetCluster answers and every other call is
   * refused as over gRPC (503 with the leader in {@code X-SPC-Leader}), so a load balancer or a
   * script finds the leader; the dashboard's files are served and say so in their errors.
   */
  static dev.spc.server.http.HttpFront http(String bind, int port, dev.spc.proto.@Nullable TlsFiles tls,
      dev.spc.server.auth.@Nullable TokenFile tokens, Supplier<Cluster> view,
      Supplier<@Nullable String> storeProblem, int maxBody) throws IOException {
    return dev.spc.server.http.HttpFront.start(bind, port, tls, tokens,
        java.util.List.of(new Admin(view, storeProblem).bindService()), new Refuser(view, storeProblem), null,
        maxBody);
  }

  /** GetCluster answers; the other admin calls are refused like every call. */
  private static final class Admin extends AdminServiceGrpc.AdminServiceImplBase {
    private final Supplier<Cluster> view;
    private final Supplier<@Nullable String> storeProblem;

    Admin(Supplier<Cluster> view, Supplier<@Nullable String> storeProblem) {
      this.view = view;
      this.storeProblem = storeProblem;
    }

    @Override
    public void getCluster(GetClusterRequest req, StreamObserver<Cluster> out) {
      out.onNext(view.get());
      out.onCompleted();
    }

    @Override
    public void listWorkers(ListWorkersRequest req, StreamObserver<ListWorkersResponse> out) {
      refuse(out);
    }

    @Override
    public void stopWorker(StopWorkerRequest req, StreamObserver<StopWorkerResponse> out) {
      refuse(out);
    }

    @Override
    public void getStats(GetStatsRequest req, StreamObserver<Stats> out) {
      refuse(out);
    }

    private void refuse(StreamObserver<?> out) {
      Cluster c = view.get();
      out.onError(LeaderHint.refusal(c.getLeader(), c.getEpoch(), storeProblem.get())
          .asRuntimeException(LeaderHint.trailers(c.getLeader())));
    }
  }

  /** Every method no service here knows: refused with the leader's address. */
  private static final class Refuser extends HandlerRegistry {
    private final Supplier<Cluster> view;
    private final Supplier<@Nullable String> storeProblem;

    Refuser(Supplier<Cluster> view, Supplier<@Nullable String> storeProblem) {
      this.view = view;
      this.storeProblem = storeProblem;
    }

    @Override
    public @Nullable ServerMethodDefinition<?, ?> lookupMethod(String method, @Nullable String authority) {
      MethodDescriptor<InputStream, InputStream> md = MethodDescriptor.<InputStream, InputStream>newBuilder()
          .setType(MethodDescriptor.MethodType.UNKNOWN)
          .setFullMethodName(method)
          .setRequestMarshaller(Raw.INSTANCE)
          .setResponseMarshaller(Raw.INSTANCE)
          .build();
      ServerCallHandler<InputStream, InputStream> handler = (call, headers) -> {
        Cluster c = view.get();
        call.close(LeaderHint.refusal(c.getLeader(), c.getEpoch(), storeProblem.get()),
            LeaderHint.trailers(c.getLeader()));
        return new ServerCall.Listener<>() {};
      };
      return ServerMethodDefinition.create(md, handler);
    }
  }

  private enum Raw implements MethodDescriptor.Marshaller<InputStream> {
    INSTANCE;

    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      try {
        return new ByteArrayInputStream(stream.readAllBytes());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
