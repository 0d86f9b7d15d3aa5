package dev.spc.server.grpc;

import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.WorkerMessage;
import dev.spc.proto.WorkerServiceGrpc;
import dev.spc.server.loop.Clock;
import dev.spc.server.loop.EventLoop;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** WorkerService: one {@link WorkerStream} per agent connection. */
public final class WorkerServiceImpl extends WorkerServiceGrpc.WorkerServiceImplBase {
  private final EventLoop loop;
  private final Clock clock;

  public WorkerServiceImpl(EventLoop loop, Clock clock) {
    this.loop = loop;
    this.clock = clock;
  }

  @Override
  public StreamObserver<WorkerMessage> connect(StreamObserver<CoordinatorMessage> out) {
    return new WorkerStream(loop, clock, (ServerCallStreamObserver<CoordinatorMessage>) out);
  }
}
