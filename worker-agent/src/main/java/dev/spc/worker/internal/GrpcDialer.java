package dev.spc.worker.internal;

import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.WorkerMessage;
import dev.spc.proto.WorkerServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The session's streams over gRPC; callbacks are posted to the agent thread. */
public record GrpcDialer(WorkerServiceGrpc.WorkerServiceStub stub, AgentClock clock,
    @Nullable AgentTransport transport) implements Dialer {
  @Override
  public Stream open(Listener listener) {
    String address = transport == null ? "" : transport.current();
    if (transport != null) {
      transport.connectNow(); // the agent's own backoff decides when to retry, not gRPC's
    }
    StreamObserver<WorkerMessage> out = stub.connect(new StreamObserver<>() {
      @Override
      public void onNext(CoordinatorMessage m) {
        clock.execute(() -> listener.onMessage(m));
      }

      @Override
      public void onError(Throwable t) {
        clock.execute(() -> listener.onEnd(Status.fromThrowable(t)));
      }

      @Override
      public void onCompleted() {
        clock.execute(() -> listener.onEnd(Status.OK));
      }
    });
    return new Stream() {
      @Override
      public boolean send(WorkerMessage m) {
        try {
          out.onNext(m);
          return true;
        } catch (RuntimeException e) {
          return false;
        }
      }

      @Override
      public void halfClose() {
        try {
          out.onCompleted();
        } catch (RuntimeException e) {
          // the stream is gone already
        }
      }

      @Override
      public void abandon() {
        if (transport != null) {
          transport.avoid(address);
        }
        ((ClientCallStreamObserver<WorkerMessage>) out).cancel("the coordinator does not answer", null);
      }
    };
  }

  @Override
  public void silenceAllowed(Duration d) {
    if (transport != null) {
      transport.userTimeout(d);
    }
  }
}
