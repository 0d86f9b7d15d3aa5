package dev.spc.server.loop;

import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.Lease;
import dev.spc.proto.StopJob;
import java.util.ArrayList;
import java.util.List;

/** A worker stream that records what the coordinator sent it. */
final class RecordingLink implements WorkerLink {
  final String name;
  final List<CoordinatorMessage> sent = new ArrayList<>();
  boolean closed;
  Failure closedWith;
  boolean ready = true;
  /** When non-negative: the stream stops being ready after this many more messages. */
  int readyForMessages = -1;
  /** What {@link #lastHeardNanos()} says: heard from off the loop, as idle heartbeats are. */
  long heardNanos = Long.MIN_VALUE;

  @Override
  public long lastHeardNanos() {
    return heardNanos;
  }

  @Override
  public boolean isReady() {
    return ready;
  }

  RecordingLink(String name) {
    this.name = name;
  }

  @Override
  public void send(CoordinatorMessage message) {
    if (closed) {
      throw new AssertionError("send on a closed link: " + message);
    }
    sent.add(message);
    if (readyForMessages > 0 && --readyForMessages == 0) {
      ready = false;
    }
  }

  @Override
  public void close(Failure failure) {
    if (!closed) {
      closed = true;
      closedWith = failure;
    }
  }

  @Override
  public String peer() {
    return "test:" + name;
  }

  List<Lease> leases() {
    List<Lease> out = new ArrayList<>();
    for (CoordinatorMessage m : sent) {
      if (m.hasLeases()) {
        out.addAll(m.getLeases().getLeasesList());
      }
    }
    return out;
  }

  List<StopJob> stops() {
    List<StopJob> out = new ArrayList<>();
    for (CoordinatorMessage m : sent) {
      if (m.hasStopJobs()) {
        out.addAll(m.getStopJobs().getStopsList());
      }
    }
    return out;
  }

  long leaseFor(String jobId) {
    return leases().stream().filter(l -> l.getJobId().equals(jobId)).findFirst()
        .orElseThrow(() -> new AssertionError("no lease for " + jobId + " on " + name))
        .getLeaseId();
  }

  /** The {@code nth} lease (from 1) granted for the job. */
  long leaseFor(String jobId, int nth) {
    List<Lease> of = leases().stream().filter(l -> l.getJobId().equals(jobId)).toList();
    if (of.size() < nth) {
      throw new AssertionError("no lease " + nth + " for " + jobId + " on " + name + ": " + of.size());
    }
    return of.get(nth - 1).getLeaseId();
  }

  /** The latest lease granted for the job. */
  long lastLeaseFor(String jobId) {
    List<Lease> of = leases().stream().filter(l -> l.getJobId().equals(jobId)).toList();
    if (of.isEmpty()) {
      throw new AssertionError("no lease for " + jobId + " on " + name);
    }
    return of.get(of.size() - 1).getLeaseId();
  }
}
