package dev.spc.server.loop;

import dev.spc.proto.Chunks;
import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.Lease;
import dev.spc.proto.Leases;
import dev.spc.proto.StopJob;
import dev.spc.proto.StopJobs;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What goes to each worker: leases, stop orders, drain and result confirmations, gathered during
 * a loop batch and sent in one go per worker once the batch is stored ({@link Durability}).
 *
 * <p>Flow control: a worker that does not read its stream gets its stop orders (small) but its
 * leases wait here ({@code heldBack}) until the stream is ready, in messages it accepts
 * ({@link Chunks}): the coordinator never buffers without bound in the transport. A held-back
 * lease whose job ended meanwhile is never sent: its slot is free again at once.
 */
final class WorkerOutbox {
  private final WorkerRegistry workers;
  private final LeaseTable leases;
  private final JobTable jobs;
  private final Durability commits;
  private final Runnable wakeDispatch;
  private final List<WorkerRecord> toFlush = new ArrayList<>();
  /** A slot was freed while sending (a lease dropped unsent): dispatch may run again. */
  private boolean freedWhileSending;

  WorkerOutbox(WorkerRegistry workers, LeaseTable leases, JobTable jobs, Durability commits,
      Runnable wakeDispatch) {
    this.workers = workers;
    this.leases = leases;
    this.jobs = jobs;
    this.commits = commits;
    this.wakeDispatch = wakeDispatch;
  }

  void lease(WorkerRecord w, Lease lease) {
    w.outLeases.add(lease);
    queue(w);
  }

  void stop(WorkerRecord w, long leaseId, String reason) {
    w.outStops.add(StopJob.newBuilder().setLeaseId(leaseId).setReason(reason).build());
    queue(w);
  }

  /** Confirms the drain after every lease granted before now, so the agent knows none is coming. */
  void confirmDrain(WorkerRecord w, String reason) {
    w.confirmDrain = reason;
    queue(w);
  }

  /** Confirms the agent's results up to {@code seq} with this batch's sends (so once stored). */
  void confirmResults(WorkerRecord w, long seq) {
    if (seq > w.resultsSeq) {
      w.resultsSeq = seq;
      w.resultsToConfirm = true;
      queue(w);
    }
  }

  private void queue(WorkerRecord w) {
    if (!w.queuedForFlush) {
      w.queuedForFlush = true;
      toFlush.add(w);
    }
  }

  /** Hands what the batch gathered for each worker over, to be sent once the batch is stored. */
  void flush() {
    for (WorkerRecord w : toFlush) {
      w.queuedForFlush = false;
      List<Lease> ls = w.outLeases.isEmpty() ? List.of() : new ArrayList<>(w.outLeases);
      List<StopJob> ss = w.outStops.isEmpty() ? List.of() : new ArrayList<>(w.outStops);
      w.outLeases.clear();
      w.outStops.clear();
      String confirm = w.confirmDrain;
      w.confirmDrain = null;
      long taken = w.resultsToConfirm ? w.resultsSeq : 0;
      w.resultsToConfirm = false;
      commits.send(w, ls, ss, confirm, taken);
    }
    toFlush.clear();
  }

  /** Whether a slot was freed while sending since the last call. */
  boolean takeFreed() {
    boolean f = freedWhileSending;
    freedWhileSending = false;
    return f;
  }

  /** The worker's stream drained: send what was held back for it. */
  void ready(WorkerRecord w) {
    if (!w.heldBack.isEmpty() && w.link.isReady()) {
      List<Lease> held = new ArrayList<>(w.heldBack);
      w.heldBack.clear();
      send(w, held, List.of(), null, 0);
      if (!w.heldSignals.isEmpty()) {
        sendHeldSignals(w);
      }
    }
  }

  /**
   * Sends {@code signal} to a running job's worker after its lease: now, or when its lease, held
   * back by flow control, goes out.
   */
  void signal(WorkerRecord w, dev.spc.proto.JobSignal signal) {
    for (Lease held : w.heldBack) {
      if (held.getLeaseId() == signal.getLeaseId()) {
        w.heldSignals.add(signal);
        return;
      }
    }
    w.link.send(signalMessage(List.of(signal)));
  }

  /** The held signals whose leases went out (or ended), sent (or dropped); the rest kept. */
  private void sendHeldSignals(WorkerRecord w) {
    List<dev.spc.proto.JobSignal> out = new ArrayList<>();
    for (Iterator<dev.spc.proto.JobSignal> it = w.heldSignals.iterator(); it.hasNext(); ) {
      dev.spc.proto.JobSignal s = it.next();
      LeaseRecord lease = leases.get(s.getLeaseId());
      boolean stillHeld = w.heldBack.stream().anyMatch(l -> l.getLeaseId() == s.getLeaseId());
      if (!stillHeld) {
        it.remove();
        if (lease != null && lease.isLive()) {
          out.add(s);
        }
      }
    }
    if (!out.isEmpty()) {
      w.link.send(signalMessage(out));
    }
  }

  private static CoordinatorMessage signalMessage(List<dev.spc.proto.JobSignal> signals) {
    return CoordinatorMessage.newBuilder()
        .setSignals(dev.spc.proto.JobSignals.newBuilder().addAllSignals(signals)).build();
  }

  /**
   * Sends a worker its leases and stop orders, leaving out those no longer live (the effect of
   * {@link #flush}, once stored).
   */
  void send(WorkerRecord w, List<Lease> leasesOut, List<StopJob> stopsOut, @Nullable String confirmDrain,
      long resultsTaken) {
    if (!workers.isCurrent(w)) {
      return; // gone meanwhile
    }
    if (resultsTaken > 0) {
      w.link.send(resultsTaken(resultsTaken));
    }
    if (!w.heldBack.isEmpty()) {
      for (Iterator<Lease> it = w.heldBack.iterator(); it.hasNext(); ) {
        LeaseRecord lease = leases.get(it.next().getLeaseId());
        if (lease == null || !lease.isLive()) {
          it.remove();
          if (lease != null) {
            dropUnsent(w, lease);
          }
        }
      }
    }
    if (!leasesOut.isEmpty() && (!w.heldBack.isEmpty() || !w.link.isReady())) {
      w.heldBack.addAll(leasesOut);
      leasesOut = List.of();
    }
    if (!leasesOut.isEmpty()) {
      List<Lease> send = new ArrayList<>(leasesOut.size());
      for (Lease l : leasesOut) {
        LeaseRecord lease = leases.get(l.getLeaseId());
        if (lease != null && lease.isLive()) {
          send.add(l);
        } else if (lease != null) {
          dropUnsent(w, lease); // ended before it was sent: not sent at all
        }
      }
      sendLeases(w, send);
    }
    if (!stopsOut.isEmpty()) {
      List<StopJob> send = new ArrayList<>(stopsOut.size());
      for (StopJob st : stopsOut) {
        if (w.occupied.containsKey(st.getLeaseId())) {
          send.add(st);
        }
      }
      if (!send.isEmpty()) {
        w.link.send(CoordinatorMessage.newBuilder()
            .setStopJobs(StopJobs.newBuilder().addAllStops(send)).build());
      }
    }
    if (confirmDrain != null) {
      returnHeldBack(w); // they never reached it: their jobs wait for others
      w.link.send(CoordinatorMessage.newBuilder().setStopWorker(dev.spc.proto.StopWorker
          .newBuilder().setReason(confirmDrain).setDrain(true)).build());
    }
  }

  /** Leases held back by flow control never reached the worker: their jobs are pending again. */
  void returnHeldBack(WorkerRecord w) {
    w.heldSignals.clear(); // their leases end here
    for (Lease l : List.copyOf(w.heldBack)) {
      LeaseRecord lease = leases.get(l.getLeaseId());
      if (lease != null && lease.isLive()) {
        leases.stop(lease);
        leases.release(lease);
        jobs.returnToPending(lease.job());
        wakeDispatch.run();
      }
    }
    w.heldBack.clear();
  }

  /**
   * Sends leases in messages an agent accepts, for as long as its stream is ready; the rest wait
   * in {@code heldBack} for {@link #ready}. The stream was ready for the first message.
   */
  private void sendLeases(WorkerRecord w, List<Lease> live) {
    int sent = 0;
    for (List<Lease> chunk : Chunks.of(live)) {
      if (sent > 0 && !w.link.isReady()) {
        break;
      }
      w.link.send(CoordinatorMessage.newBuilder().setLeases(Leases.newBuilder().addAllLeases(chunk)).build());
      sent += chunk.size();
    }
    if (sent < live.size()) {
      w.heldBack.addAll(live.subList(sent, live.size()));
    }
  }

  private void dropUnsent(WorkerRecord w, LeaseRecord lease) {
    leases.release(lease);
    workers.offer(w);
    freedWhileSending = true;
  }

  static CoordinatorMessage resultsTaken(long upToSeq) {
    return CoordinatorMessage.newBuilder()
        .setResultsTaken(dev.spc.proto.ResultsTaken.newBuilder().setUpToSeq(upToSeq)).build();
  }
}
