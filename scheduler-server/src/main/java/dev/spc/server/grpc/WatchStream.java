package dev.spc.server.grpc;

import dev.spc.proto.JobEvent;
import dev.spc.server.loop.EventLoop;
import dev.spc.server.loop.Failure;
import dev.spc.server.loop.Msg;
import dev.spc.server.loop.WatchSink;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * One WatchJob call. The loop offers events; when the client reads slower than they come, up to
 * {@link #MAX_QUEUED} wait here, and beyond that they are skipped and the client gets one
 * {@code skipped} event saying how many. The loop never waits for a watcher. Only the loop
 * thread touches the queue and the observer.
 */
final class WatchStream implements WatchSink {
  static final int MAX_QUEUED = 1000;

  private final ServerCallStreamObserver<JobEvent> out;
  private final ArrayDeque<JobEvent> queue = new ArrayDeque<>();
  private long skipped;
  private boolean ending;
  private @Nullable Failure endWith;
  private volatile boolean closed;

  WatchStream(EventLoop loop, long watcherId, ServerCallStreamObserver<JobEvent> out) {
    this.out = out;
    out.setOnCancelHandler(() -> {
      closed = true;
      loop.post(new Msg.UnwatchJob(watcherId));
    });
    out.setOnReadyHandler(() -> loop.post(new Msg.WatchReady(this)));
  }

  @Override
  public void offer(JobEvent e) {
    if (closed || ending) {
      return;
    }
    if (queue.isEmpty() && skipped == 0 && out.isReady()) {
      send(e);
    } else if (skipped == 0 && queue.size() < MAX_QUEUED) {
      queue.add(e);
    } else {
      skipped++; // in order: once skipping, skip until the marker has gone out
    }
  }

  @Override
  public void drain() {
    if (closed) {
      return;
    }
    while (out.isReady() && (!queue.isEmpty() || skipped > 0)) {
      if (!queue.isEmpty()) {
        send(queue.poll());
      } else {
        send(JobEvent.newBuilder().setSkipped(skipped).build());
        skipped = 0;
      }
    }
    if (ending && queue.isEmpty() && skipped == 0) {
      finish();
    }
  }

  @Override
  public void end(@Nullable Failure failure) {
    if (closed || ending) {
      return;
    }
    ending = true;
    endWith = failure;
    drain();
  }

  private void send(JobEvent e) {
    try {
      out.onNext(e);
    } catch (RuntimeException ex) {
      closed = true;
    }
  }

  private void finish() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (endWith == null) {
        out.onCompleted();
      } else {
        out.onError(GrpcReply.status(endWith).asRuntimeException());
      }
    } catch (RuntimeException ignored) {
      // cancelled meanwhile
    }
  }
}
