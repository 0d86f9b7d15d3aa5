package dev.spc.server.grpc;

import dev.spc.proto.AdminServiceGrpc;
import dev.spc.proto.Cluster;
import dev.spc.proto.GetClusterRequest;
import dev.spc.proto.ListWorkersRequest;
import dev.spc.proto.ListWorkersResponse;
import dev.spc.proto.StopWorkerRequest;
import dev.spc.proto.StopWorkerResponse;
import dev.spc.server.loop.EventLoop;
import dev.spc.server.loop.Msg;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** AdminService: operators' view of the workers. */
public final class AdminServiceImpl extends AdminServiceGrpc.AdminServiceImplBase {
  private final EventLoop loop;
  private final Supplier<Cluster> cluster;

  public AdminServiceImpl(EventLoop loop, Supplier<Cluster> cluster) {
    this.loop = loop;
    this.cluster = cluster;
  }

  @Override
  public void getCluster(GetClusterRequest req, StreamObserver<Cluster> out) {
    out.onNext(cluster.get());
    out.onCompleted();
  }

  @Override
  public void listWorkers(ListWorkersRequest req, StreamObserver<ListWorkersResponse> out) {
    loop.post(new Msg.ListWorkers(GrpcReply.of(out)));
  }

  @Override
  public void getStats(dev.spc.proto.GetStatsRequest req, StreamObserver<dev.spc.proto.Stats> out) {
    loop.post(new Msg.GetStats(GrpcReply.of(out)));
  }

  @Override
  public void setAccessLevel(dev.spc.proto.SetAccessLevelRequest req,
      StreamObserver<dev.spc.proto.SetAccessLevelResponse> out) {
    loop.post(new Msg.SetAccessLevel(req.getLevel(), req.getInterrupt(), GrpcReply.of(out)));
  }

  @Override
  public void setConcurrencyLimit(dev.spc.proto.SetConcurrencyLimitRequest req,
      StreamObserver<dev.spc.proto.ConcurrencyLimit> out) {
    loop.post(new Msg.SetConcurrencyLimit(req.getKey(), req.getLimit(), GrpcReply.of(out)));
  }

  @Override
  public void setRateLimit(dev.spc.proto.SetRateLimitRequest req, StreamObserver<dev.spc.proto.RateLimit> out) {
    loop.post(new Msg.SetRateLimit(req, GrpcReply.of(out)));
  }

  @Override
  public void listLimits(dev.spc.proto.ListLimitsRequest req,
      StreamObserver<dev.spc.proto.ListLimitsResponse> out) {
    loop.post(new Msg.ListLimits(GrpcReply.of(out)));
  }

  @Override
  public void stopWorker(StopWorkerRequest req, StreamObserver<StopWorkerResponse> out) {
    loop.post(new Msg.StopWorker(req.getName(), req.getDrain(), GrpcReply.of(out)));
  }
}
