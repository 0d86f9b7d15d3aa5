package dev.spc.server.loop;

import dev.spc.common.Log;
import dev.spc.proto.Cadence;
import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.DoneReason;
import dev.spc.proto.Register;
import dev.spc.proto.Registered;
import dev.spc.proto.StopWorkerResponse;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Rules 9 to 12 for the workers' streams: registration, heartbeats and the leases they report,
 * stuck slots, draining, an operator's stop, and a worker's loss.
 */
final class WorkerSessions {
  private static final Log log = Log.get(WorkerSessions.class);
  static final Pattern WORKER_NAME = dev.spc.common.Limits.WORKER_NAME;
  static final int MAX_SLOTS = dev.spc.common.Limits.MAX_SLOTS;
  static final int MAX_WORKER_TYPES = 256;
  static final int MAX_HOST = 256;

  private final CoordinatorConfig cfg;
  private final Clock clock;
  private final JobTable jobs;
  private final WorkerRegistry workers;
  private final LeaseTable leases;
  private final WorkerOutbox outbox;
  private final Recovery recovery;
  private final IdleCadence cadence = new IdleCadence();

  WorkerSessions(CoordinatorConfig cfg, Clock clock, JobTable jobs, WorkerRegistry workers,
      LeaseTable leases, WorkerOutbox outbox, Recovery recovery) {
    this.cfg = cfg;
    this.clock = clock;
    this.jobs = jobs;
    this.workers = workers;
    this.leases = leases;
    this.outbox = outbox;
    this.recovery = recovery;
  }

  void register(WorkerLink link, Register reg, boolean shuttingDown) {
    if (shuttingDown) {
      link.close(Failure.unavailable("coordinator is shutting down"));
      return;
    }
    if (workers.byLink(link) != null) {
      protocolError(link, "a second Register on the same stream");
      return;
    }
    String problem = checkRegistration(reg);
    if (problem != null) {
      log.info("worker refused", "peer", link.peer(), "reason", problem);
      link.close(Failure.invalid(problem));
      return;
    }
    if (workers.isConnected(reg.getName())) {
      log.info("worker refused", "worker", reg.getName(), "peer", link.peer(), "reason", "name taken");
      link.close(new Failure(Failure.Code.ALREADY_EXISTS,
          "worker name '" + reg.getName() + "' is taken by a connected worker"));
      return;
    }
    int slots = reg.getSlots() == 0 ? 1 : reg.getSlots();
    List<String> types = List.copyOf(new LinkedHashSet<>(reg.getJobTypesList()));
    WorkerRecord w = new WorkerRecord(reg.getName(), types, slots, reg.getHost(), link,
        clock.now(), clock.nanos());
    w.labels = Map.copyOf(reg.getLabelsMap());
    w.instanceId = reg.getInstanceId();
    workers.add(w);
    fleetChanged(w);
    link.send(CoordinatorMessage.newBuilder().setRegistered(Registered.newBuilder()
        .setHeartbeatIntervalMs(cfg.heartbeatInterval().toMillis())
        .setIdleHeartbeatIntervalMs(idleIntervalMillis())
        .setHeartbeatTimeoutMs(cfg.heartbeatTimeout().toMillis())
        .setReconnectGraceMs(cfg.reconnectGrace().toMillis())
        .setEpoch(cfg.epoch())
        .setEchoesHeartbeats(true)).build());
    log.info("worker registered", "worker", w.name, "slots", slots, "types", String.join(",", types),
        "peer", link.peer());
    reconcile(w, reg.getHeldLeaseIdsList());
    if (w.instanceId != 0) {
      Set<Long> known = new HashSet<>(reg.getHeldLeaseIdsList());
      known.addAll(reg.getResultLeaseIdsList());
      recovery.neverReached(w, known);
    }
    if (reg.getDraining()) {
      // A draining agent that reconnects (to deliver results, to report its leases) gets no
      // new leases, not even in the batch that registers it.
      startDrain(w, "draining");
      return;
    }
    workers.offer(w);
  }

  static @Nullable String checkRegistration(Register reg) {
    if (!WORKER_NAME.matcher(reg.getName()).matches()) {
      return "register.name must be 1-128 characters of [A-Za-z0-9._:-], got '"
          + SpecValidator.shorten(reg.getName()) + "'";
    }
    if (reg.getSlots() < 0 || reg.getSlots() > MAX_SLOTS) {
      return "register.slots must be between 1 and " + MAX_SLOTS + ", got " + reg.getSlots();
    }
    if (reg.getJobTypesCount() == 0) {
      return "register.job_types must not be empty";
    }
    if (reg.getJobTypesCount() > MAX_WORKER_TYPES) {
      return "register.job_types has " + reg.getJobTypesCount() + " types, limit " + MAX_WORKER_TYPES;
    }
    for (int i = 0; i < reg.getJobTypesCount(); i++) {
      if (!SpecValidator.TYPE.matcher(reg.getJobTypes(i)).matches()) {
        return "register.job_types[" + i + "] must be 1-128 characters of [A-Za-z0-9._:/-], got '"
            + SpecValidator.shorten(reg.getJobTypes(i)) + "'";
      }
    }
    if (reg.getLabelsCount() > 0) {
      String bad = Labels.check("register.labels", reg.getLabelsMap());
      if (bad != null) {
        return bad;
      }
    }
    if (reg.getHost().length() > MAX_HOST) {
      return "register.host is " + reg.getHost().length() + " characters, limit " + MAX_HOST;
    }
    return null;
  }

  /** A heartbeat: its leases are checked against ours; an echo it asks for is answered at once. */
  void heartbeat(WorkerLink link, dev.spc.proto.Heartbeat hb) {
    WorkerRecord w = workers.byLink(link);
    if (w == null) {
      return;
    }
    w.lastSeenNanos = clock.nanos();
    w.lastHeartbeatAt = clock.now();
    reconcile(w, hb.getRunningLeaseIdsList());
    if (hb.getEcho() != 0) {
      link.send(CoordinatorMessage.newBuilder().setHeartbeatEcho(
          dev.spc.proto.HeartbeatEcho.newBuilder().setEcho(hb.getEcho())).build());
    }
  }

  /**
   * Rule 12 for leases the agent says it runs: any that is not a lease of this worker (and not
   * one it can re-adopt after a restart) is foreign: it holds a slot until the agent reports it
   * finished, and the agent is told to stop it.
   */
  private void reconcile(WorkerRecord w, List<Long> running) {
    for (long leaseId : running) {
      if (w.occupied.containsKey(leaseId) || recovery.adopt(w, leaseId)) {
        continue;
      }
      if (w.occupied.size() >= w.slots * 2) {
        break; // an agent reporting far more than its slots is confused; don't grow without bound
      }
      leases.foreign(leaseId, w);
      workers.taken(w);
      outbox.stop(w, leaseId, "lease is no longer live");
      log.info("stale lease reported", "worker", w.name, "lease", leaseId);
    }
  }

  void stuck(WorkerLink link, long leaseId, String detail) {
    WorkerRecord w = workers.byLink(link);
    if (w == null) {
      return;
    }
    w.lastSeenNanos = clock.nanos();
    if (w.occupied.containsKey(leaseId)) {
      w.stuck.add(leaseId);
      log.warn("slot stuck", "worker", w.name, "lease", leaseId, "detail", detail,
          "stuck_slots", w.stuck.size(), "slots", w.slots);
    }
  }

  void draining(WorkerLink link) {
    WorkerRecord w = workers.byLink(link);
    if (w != null && !w.draining) {
      startDrain(w, "draining");
    }
  }

  /**
   * Rule 10, gracefully: no new leases for the worker. It is sent a drain confirmation after
   * every lease granted before now, so that it does not leave while one is still on its way.
   */
  private void startDrain(WorkerRecord w, String reason) {
    w.draining = true;
    workers.withdraw(w);
    outbox.confirmDrain(w, reason);
    log.info("worker draining", "worker", w.name, "running", w.occupied.size());
  }

  /** Rule 10: an operator stops a worker (at once, or by draining it). */
  void stopWorker(String name, boolean drain, Reply<StopWorkerResponse> reply) {
    if (!workers.isKnown(name)) {
      reply.fail(Failure.notFound("worker '" + SpecValidator.shorten(name) + "' not found"));
      return;
    }
    WorkerRecord w = workers.byName(name);
    StopWorkerResponse.Builder out = StopWorkerResponse.newBuilder();
    if (w == null) {
      reply.ok(out.build()); // already gone: a no-op
      return;
    }
    if (drain) {
      // No new jobs; its running ones finish (or are stopped by the agent's drain timeout).
      startDrain(w, "drained by an operator");
      reply.ok(out.build());
      return;
    }
    for (LeaseRecord lease : w.occupied.values()) {
      if (lease.isLive()) {
        leases.stop(lease);
        jobs.finish(lease.job(), DoneReason.DONE_REASON_CANCELLED, "worker stopped", null);
        out.addCancelledJobIds(lease.job().id());
      }
    }
    remove(w);
    w.link.send(CoordinatorMessage.newBuilder().setStopWorker(
        dev.spc.proto.StopWorker.newBuilder().setReason("stopped by an operator")).build());
    w.link.close(null);
    log.info("worker stopped", "worker", name, "cancelled", out.getCancelledJobIdsCount());
    reply.ok(out.build());
  }

  void protocolError(WorkerLink link, String detail) {
    WorkerRecord w = workers.byLink(link);
    log.warn("worker protocol violation", "worker", w == null ? "-" : w.name, "peer", link.peer(),
        "detail", detail);
    if (w != null) {
      lose(w, "protocol violation: " + detail);
    }
    link.close(Failure.invalid("protocol violation: " + detail));
  }

  /** Where lost workers are counted (the coordinator's metrics). */
  LoopMetrics metrics = LoopMetrics.NONE;

  /** Rule 11: a lost worker's jobs end CRASHED, "worker lost"; anything it says later is stale. */
  void lose(WorkerRecord w, String cause) {
    int crashed = 0;
    for (LeaseRecord lease : w.occupied.values()) {
      if (lease.isLive()) {
        leases.stop(lease);
        jobs.finish(lease.job(), DoneReason.DONE_REASON_CRASHED, "worker lost", null);
        crashed++;
      }
    }
    remove(w);
    if (crashed == 0 && cause.equals(Coordinator.LEFT)) {
      log.info("worker left", "worker", w.name);
    } else {
      log.info("worker lost", "worker", w.name, "cause", cause, "crashed_jobs", crashed);
      metrics.workerLost();
    }
  }

  /** The idle agents' heartbeat interval as a factor of the configured one ({@link IdleCadence}). */
  int idleFactor() {
    return cadence.factor();
  }

  private long idleIntervalMillis() {
    return cfg.heartbeatInterval().toMillis() * cadence.factor();
  }

  /** The fleet grew or shrank: if idle agents should heartbeat at another pace, tell them all. */
  private void fleetChanged(@Nullable WorkerRecord joining) {
    if (!cadence.update(workers.size())) {
      return;
    }
    log.info("idle heartbeat interval changed", "workers", workers.size(),
        "idle_interval_ms", idleIntervalMillis());
    CoordinatorMessage m = CoordinatorMessage.newBuilder().setCadence(
        Cadence.newBuilder().setIdleHeartbeatIntervalMs(idleIntervalMillis())).build();
    for (WorkerRecord other : workers.all()) {
      if (other != joining) { // its Registered says so
        other.link.send(m);
      }
    }
  }

  /** Gone from the registry with its leases; nothing more is sent to it. */
  void remove(WorkerRecord w) {
    workers.remove(w);
    fleetChanged(null);
    leases.releaseAll(w);
    w.outLeases.clear();
    w.outStops.clear();
  }
}
