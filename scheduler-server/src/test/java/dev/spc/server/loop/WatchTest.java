package dev.spc.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.JobEvent;
import dev.spc.proto.JobState;
import dev.spc.proto.JobUpdate;
import dev.spc.proto.JobUpdates;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress, log lines and watchers on the state machine. */
class WatchTest {
  final Harness h = new Harness();

  static final class Sink implements WatchSink {
    final List<JobEvent> events = new ArrayList<>();
    boolean ended;
    Failure failure;

    @Override
    public void offer(JobEvent e) {
      events.add(e);
    }

    @Override
    public void end(Failure f) {
      ended = true;
      failure = f;
    }

    List<String> describe() {
      List<String> out = new ArrayList<>();
      for (JobEvent e : events) {
        out.add(switch (e.getKindCase()) {
          case STATE -> "state " + e.getState().getState();
          case PROGRESS -> "progress " + e.getProgress().getFraction() + " " + e.getProgress().getMessage();
          case LOG_LINE -> "log " + e.getLogLine();
          default -> "other";
        });
      }
      return out;
    }
  }

  void update(RecordingLink w, long lease, Double progress, String... lines) {
    JobUpdate.Builder u = JobUpdate.newBuilder().setLeaseId(lease).addAllLogLines(List.of(lines));
    if (progress != null) {
      u.setProgress(progress).setProgressMessage("working");
    }
    h.feed(new Msg.WorkerUpdates(w, JobUpdates.newBuilder().addUpdates(u).build()));
  }

  @Test
  void progressShowsInGetJob_andALateWatcherGetsTheRetainedEventsThenNewOnes_untilDone() {
    RecordingLink w = h.register("w", 1, "t");
    String id = h.submit("t");
    long lease = w.leaseFor(id);
    update(w, lease, 0.25, "one", "two");
    assertEquals(0.25, h.job(id).getProgress());
    assertEquals("working", h.job(id).getProgressMessage());

    Sink late = new Sink();
    h.feed(new Msg.Watch(1, id, true, late));
    update(w, lease, null, "three");
    h.succeed(w, lease);
    assertEquals(List.of("state JOB_STATE_RUNNING", "progress 0.25 working", "log one", "log two",
        "log three", "state JOB_STATE_DONE"), late.describe());
    assertTrue(late.ended);
    assertEquals(null, late.failure);
  }

  @Test
  void manyWatchersShareEachEvent_andOneThatLeavesIsForgotten() {
    RecordingLink w = h.register("w", 1, "t");
    String id = h.submit("t");
    Sink a = new Sink();
    Sink b = new Sink();
    h.feed(new Msg.Watch(1, id, true, a));
    h.feed(new Msg.Watch(2, id, true, b));
    update(w, w.leaseFor(id), null, "x");
    assertSame(a.events.get(1), b.events.get(1), "one copy of each event");
    h.feed(new Msg.UnwatchJob(1));
    update(w, w.leaseFor(id), null, "y");
    assertEquals(2, a.events.size());
    assertEquals(3, b.events.size());
  }

  @Test
  void withoutFollow_aWatchSendsWhatIsRetainedAndEnds() {
    RecordingLink w = h.register("w", 1, "t");
    String id = h.submit("t");
    update(w, w.leaseFor(id), null, "only");
    Sink s = new Sink();
    h.feed(new Msg.Watch(1, id, false, s));
    assertEquals(List.of("state JOB_STATE_RUNNING", "log only"), s.describe());
    assertTrue(s.ended);
  }

  @Test
  void watchingAnUnknownJob_isNotFound_andAMalformedId_invalid() {
    Sink s = new Sink();
    h.feed(new Msg.Watch(1, "abc-1", true, s));
    assertEquals(Failure.Code.NOT_FOUND, s.failure.code());
    Sink t = new Sink();
    h.feed(new Msg.Watch(2, "??", true, t));
    assertEquals(Failure.Code.INVALID_ARGUMENT, t.failure.code());
  }

  @Test
  void retainedEventsAreBounded() {
    RecordingLink w = h.register("w", 1, "t");
    String id = h.submit("t");
    String[] lines = new String[1500];
    for (int i = 0; i < lines.length; i++) {
      lines[i] = "line " + i;
    }
    update(w, w.leaseFor(id), null, lines);
    Sink s = new Sink();
    h.feed(new Msg.Watch(1, id, false, s));
    assertEquals(1 + JobLog.MAX_EVENTS, s.events.size());
    assertEquals("log line 500", s.describe().get(1));
    assertEquals(JobState.JOB_STATE_RUNNING, s.events.get(0).getState().getState());
  }
}
