package dev.spc.server.loop;

import dev.spc.proto.CoordinatorMessage;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A graceful stop: refuses new work and grants no more leases; tells the agents, but only once
 * every lease already granted has gone out to them (leases wait for their batch's commit), so
 * that each running job is one its agent holds and reports again after the restart. Then waits
 * for the agents to send what they have and half-close (a result in flight when a stream is cut
 * would be lost), for up to {@link #HANDSHAKE_NANOS}.
 */
final class ShutdownHandshake {
  /** How long a shutdown waits for agents to half-close their streams. */
  static final long HANDSHAKE_NANOS = TimeUnit.SECONDS.toNanos(2);
  static final String STOPPING = "coordinator is shutting down";

  private final Clock clock;
  private final Durability commits;
  private final WorkerRegistry workers;
  private final WorkerOutbox outbox;
  private final WorkerSessions sessions;
  private final Waiters waiters;
  private boolean stopping;
  private @Nullable Reply<Boolean> reply;
  private long deadlineNanos;

  ShutdownHandshake(Clock clock, Durability commits, WorkerRegistry workers, WorkerOutbox outbox,
      WorkerSessions sessions, Waiters waiters) {
    this.clock = clock;
    this.commits = commits;
    this.workers = workers;
    this.outbox = outbox;
    this.sessions = sessions;
    this.waiters = waiters;
  }

  boolean inProgress() {
    return stopping;
  }

  void begin(Reply<Boolean> r) {
    stopping = true;
    reply = r;
    waiters.failAll(Failure.unavailable(STOPPING));
    commits.later(this::tellWorkers);
  }

  /** Asks every agent to send what it has and half-close. */
  private void tellWorkers() {
    for (WorkerRecord w : List.copyOf(workers.all())) {
      outbox.returnHeldBack(w); // never reached the agent: their jobs wait, pending
      w.link.send(CoordinatorMessage.newBuilder().setCoordinatorStopping(
          dev.spc.proto.CoordinatorStopping.newBuilder().setReason(STOPPING)).build());
    }
    deadlineNanos = clock.nanos() + HANDSHAKE_NANOS;
    finishIfDone();
  }

  /**
   * A worker half-closed (or went) while we stop: its jobs stay running, to be reported after the
   * restart or given up when the reconnect grace ends. Its last results are confirmed, once
   * stored, before the stream closes, so that it need not send them again.
   */
  void workerLeft(WorkerRecord w) {
    sessions.remove(w);
    long taken = w.resultsSeq;
    commits.later(() -> {
      if (taken > 0) {
        w.link.send(WorkerOutbox.resultsTaken(taken));
      }
      w.link.close(null);
    });
    finishIfDone();
  }

  /** Done once every agent has half-closed, or the handshake time is over. */
  void finishIfDone() {
    if (reply == null || deadlineNanos == 0) {
      return;
    }
    if (!workers.isEmpty() && clock.nanos() - deadlineNanos < 0) {
      return;
    }
    for (WorkerRecord w : List.copyOf(workers.all())) {
      sessions.remove(w); // its jobs keep running on the agent, which reports them after the restart
      w.link.close(Failure.unavailable(STOPPING));
    }
    Reply<Boolean> r = reply;
    reply = null;
    commits.later(() -> r.ok(Boolean.TRUE)); // after the results taken meanwhile are committed
  }
}
