package dev.spc.server.grpc;

import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.WorkerMessage;
import dev.spc.server.auth.Identity;
import dev.spc.server.loop.Clock;
import dev.spc.server.loop.Coordinator;
import dev.spc.server.loop.EventLoop;
import dev.spc.server.loop.Failure;
import dev.spc.server.loop.Msg;
import dev.spc.server.loop.WorkerLink;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.SocketAddress;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Both directions of one agent's stream. Inbound messages become loop messages (gRPC delivers
 * them one at a time, so {@code registered} needs no lock); outbound calls come only from the
 * loop thread.
 */
final class WorkerStream implements StreamObserver<WorkerMessage>, WorkerLink {
  private final EventLoop loop;
  private final ServerCallStreamObserver<CoordinatorMessage> out;
  private final String peer;
  private final Clock clock;
  private boolean registered;
  /** Who opened the stream, when credentials are checked (null when they are not). */
  private final @Nullable Identity identity = Identity.CURRENT.get();
  private volatile boolean closed;
  private volatile long lastHeardNanos = Long.MIN_VALUE;
  private volatile @Nullable Instant lastHeardAt;

  WorkerStream(EventLoop loop, Clock clock, ServerCallStreamObserver<CoordinatorMessage> out) {
    this.loop = loop;
    this.clock = clock;
    this.out = out;
    this.peer = describePeer(PeerInterceptor.REMOTE_ADDR.get());
    out.setOnCancelHandler(() -> {
      closed = true;
      loop.post(new Msg.WorkerGone(this, "stream cancelled"));
    });
    out.setOnReadyHandler(() -> loop.post(new Msg.WorkerReady(this)));
    // A lease batch for many slots is tens of KiB: let 1 MiB be in flight before holding back.
    out.setOnReadyThreshold(1 << 20);
  }

  private static String describePeer(SocketAddress addr) {
    return addr == null ? "-" : addr.toString();
  }

  @Override
  public void onNext(WorkerMessage m) {
    lastHeardNanos = clock.nanos();
    if (m.hasHeartbeat()) {
      lastHeardAt = clock.now();
    }
    WorkerMessage.KindCase kind = m.getKindCase();
    if (!registered && kind != WorkerMessage.KindCase.REGISTER
        && kind != WorkerMessage.KindCase.KIND_NOT_SET) {
      loop.post(new Msg.WorkerProtocolError(this, "the first message must be Register, got " + kind));
      return;
    }
    // A switch expression: a new kind in the protocol is a compile error here, never ignored.
    Msg msg = switch (kind) {
      case REGISTER -> {
        if (registered) {
          yield new Msg.WorkerProtocolError(this, "a second Register on the same stream");
        }
        if (identity != null && !identity.mayRegister(m.getRegister().getName())) {
          close(new Failure(Failure.Code.PERMISSION_DENIED, "identity '" + identity.label()
              + "' may not register a worker named '" + m.getRegister().getName() + "' (it may: "
              + identity.names() + ")"));
          yield null;
        }
        registered = true;
        yield new Msg.WorkerRegister(this, m.getRegister());
      }
      // An idle agent's heartbeat only proves liveness, which lastHeardNanos records; one naming
      // running leases goes to the loop to be checked against the live ones, as does one asking
      // for an echo (the loop answers it).
      case HEARTBEAT -> m.getHeartbeat().getRunningLeaseIdsCount() > 0 || m.getHeartbeat().getEcho() != 0
          ? new Msg.WorkerHeartbeat(this, m.getHeartbeat()) : null;
      case RESULTS -> new Msg.WorkerResults(this, m.getResults());
      case STUCK -> new Msg.WorkerStuck(this, m.getStuck());
      case UPDATES -> new Msg.WorkerUpdates(this, m.getUpdates());
      case DRAINING -> new Msg.WorkerDraining(this);
      case KIND_NOT_SET -> new Msg.WorkerProtocolError(this, "empty WorkerMessage");
    };
    if (msg != null) {
      loop.post(msg);
    }
  }

  @Override
  public void onError(Throwable t) {
    closed = true;
    loop.post(new Msg.WorkerGone(this, "stream broken: " + Status.fromThrowable(t).getCode()));
  }

  @Override
  public void onCompleted() {
    loop.post(new Msg.WorkerGone(this, Coordinator.LEFT));
  }

  @Override
  public void send(CoordinatorMessage message) {
    if (closed) {
      return;
    }
    try {
      out.onNext(message);
    } catch (RuntimeException e) {
      closed = true;
    }
  }

  @Override
  public void close(@Nullable Failure failure) {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (failure == null) {
        out.onCompleted();
      } else {
        out.onError(GrpcReply.status(failure).asRuntimeException());
      }
    } catch (RuntimeException e) {
      // already gone
    }
  }

  @Override
  public String peer() {
    return peer;
  }

  @Override
  public boolean isReady() {
    return !closed && out.isReady();
  }

  @Override
  public long lastHeardNanos() {
    return lastHeardNanos;
  }

  @Override
  public @Nullable Instant lastHeardAt() {
    return lastHeardAt;
  }
}
