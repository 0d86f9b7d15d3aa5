package dev.spc.server.loop;

import dev.spc.proto.Lease;
import dev.spc.proto.StopJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** One connected agent as the loop holds it. Mutable, loop thread only. */
final class WorkerRecord {
  final String name;
  final List<String> types;
  /** The labels it registered, which jobs' constraints match. */
  Map<String, String> labels = Map.of();
  final int slots;
  final String host;
  /** The agent process's random instance id (0 if it sent none), stored with its leases. */
  long instanceId;
  final WorkerLink link;
  final Instant connectedAt;
  long lastSeenNanos;
  /** Whether it ran no job when {@link Liveness} last looked. */
  boolean idleAtLastScan = true;
  Instant lastHeartbeatAt;
  /** Leases holding a slot: live ones and stopping ones, in lease order. */
  final Map<Long, LeaseRecord> occupied = new LinkedHashMap<>();
  /** Leases the agent reported stuck (a job that would not stop). */
  final Set<Long> stuck = new HashSet<>();

  /** Outbound messages gathered during one loop batch, sent together by flush. */
  final List<Lease> outLeases = new ArrayList<>();
  final List<StopJob> outStops = new ArrayList<>();
  boolean queuedForFlush;
  /** Leases held back while the worker's stream was not ready (flow control). */
  final List<Lease> heldBack = new ArrayList<>();
  /** Signals for leases still held back: they follow their lease when it goes out. */
  final List<dev.spc.proto.JobSignal> heldSignals = new ArrayList<>(0);
  /** Takes no new leases: finishing its running jobs before it leaves. */
  boolean draining;
  /**
   * The reason to send with the drain confirmation at the next flush, after every lease granted
   * before the drain: an agent that has it knows no more leases are on their way. Null if none.
   */
  @Nullable String confirmDrain;
  /** The highest JobResults seq taken from this worker, and whether it still needs confirming. */
  long resultsSeq;
  boolean resultsToConfirm;

  WorkerRecord(String name, List<String> types, int slots, String host, WorkerLink link,
      Instant connectedAt, long nowNanos) {
    this.name = name;
    this.types = types;
    this.slots = slots;
    this.host = host;
    this.link = link;
    this.connectedAt = connectedAt;
    this.lastSeenNanos = nowNanos;
    this.lastHeartbeatAt = connectedAt;
  }

  int freeSlots() {
    return draining ? 0 : slots - occupied.size();
  }
}
