package dev.spc.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.JobEvent;
import dev.spc.server.loop.Clock;
import dev.spc.server.loop.Coordinator;
import dev.spc.server.loop.CoordinatorConfig;
import dev.spc.server.loop.EventLoop;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A slow watcher: bounded queue, then a skip marker; the loop never waits. */
class WatchStreamTest {
  /** An observer whose readiness the test controls. */
  static final class SlowObserver extends ServerCallStreamObserver<JobEvent> {
    boolean ready = true;
    boolean completed;
    final List<JobEvent> got = new ArrayList<>();

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void onNext(JobEvent value) {
      got.add(value);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {
      completed = true;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable r) {}

    @Override
    public void setOnReadyHandler(Runnable r) {}

    @Override
    public void setCompression(String c) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int n) {}

    @Override
    public void setMessageCompression(boolean enable) {}
  }

  @Test
  void aSlowWatcherQueuesABoundedNumber_thenSkipsWithAMarker_andEndsAfterDraining() throws Exception {
    EventLoop loop = new EventLoop(new Coordinator(CoordinatorConfig.defaults(), Clock.system()),
        Clock.system(), Duration.ofMillis(10));
    SlowObserver out = new SlowObserver();
    WatchStream w = new WatchStream(loop, 1, out);
    w.offer(JobEvent.newBuilder().setLogLine("first").build());
    out.ready = false;
    for (int i = 0; i < WatchStream.MAX_QUEUED + 500; i++) {
      w.offer(JobEvent.newBuilder().setLogLine("line " + i).build());
    }
    w.end(null);
    assertEquals(1, out.got.size());
    assertTrue(!out.completed, "not ended before what is queued was sent");
    out.ready = true;
    w.drain();
    assertEquals(1 + 1 + WatchStream.MAX_QUEUED, out.got.size());
    assertEquals("line 0", out.got.get(1).getLogLine());
    assertEquals(500, out.got.get(out.got.size() - 1).getSkipped());
    assertTrue(out.completed);
    loop.close();
  }
}
