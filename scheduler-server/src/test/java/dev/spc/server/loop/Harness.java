package dev.spc.server.loop;

import dev.spc.proto.CancelJobResponse;
import dev.spc.proto.Heartbeat;
import dev.spc.proto.Job;
import dev.spc.proto.JobResult;
import dev.spc.proto.JobResults;
import dev.spc.proto.JobSpec;
import dev.spc.proto.Outcome;
import dev.spc.proto.Register;
import java.time.Duration;
import java.util.List;

/**
 * Drives a {@link Coordinator} the way the event loop does, one message per batch: the shared
 * fixture of the state-machine tests (in memory, or over a {@link Persistence} they control).
 */
final class Harness {
  final FakeClock clock = new FakeClock();
  /** Randomness the test sets: nextDouble() answers {@code value} (0.5: no jitter either way). */
  final FixedRandom random = new FixedRandom();

  static final class FixedRandom implements java.util.random.RandomGenerator {
    double value = 0.5;

    @Override
    public long nextLong() {
      return (long) (value * Long.MAX_VALUE);
    }

    @Override
    public double nextDouble() {
      return value;
    }
  }
  private final CoordinatorConfig cfg;
  private final Persistence persistence;
  private long term;
  Coordinator c;
  private long waiterIds;

  Harness() {
    this(CoordinatorConfig.defaults());
  }

  Harness(CoordinatorConfig cfg) {
    this(cfg, Persistence.IN_MEMORY);
  }

  /** A coordinator whose changes go to {@code persistence} (commits are the test's to send). */
  Harness(CoordinatorConfig cfg, Persistence persistence) {
    this.term = 1;
    this.cfg = cfg;
    this.persistence = persistence;
    c = new Coordinator(cfg, clock, random, persistence, "inc", term, List.of());
  }

  /** A restart: a new coordinator recovering {@code rows}, on the same clock and persistence. */
  void restart(List<dev.spc.proto.store.StoredJob> rows) {
    restart(rows, List.of());
  }

  /** A restart recovering jobs and schedules. */
  void restart(List<dev.spc.proto.store.StoredJob> rows,
      List<dev.spc.proto.store.StoredSchedule> schedules) {
    restart(rows, schedules, java.util.Map.of());
  }

  /** A restart recovering jobs, schedules and operators' settings. */
  void restart(List<dev.spc.proto.store.StoredJob> rows,
      List<dev.spc.proto.store.StoredSchedule> schedules, java.util.Map<String, String> settings) {
    term++;
    c = new Coordinator(cfg, clock, random, persistence, "inc", term, rows, schedules, settings);
  }

  void feed(Msg m) {
    c.handle(m);
    c.afterBatch();
  }

  static JobSpec spec(String type, String... args) {
    return JobSpec.newBuilder().setType(type).addAllArgs(List.of(args)).build();
  }

  Captured<List<String>> trySubmit(JobSpec... specs) {
    Captured<List<String>> r = new Captured<>();
    feed(new Msg.Submit(List.of(specs), specs.length != 1, r));
    return r;
  }

  Captured<List<String>> trySubmitBatch(JobSpec... specs) {
    Captured<List<String>> r = new Captured<>();
    feed(new Msg.Submit(List.of(specs), true, r));
    return r;
  }

  String submit(JobSpec spec) {
    return trySubmit(spec).get().get(0);
  }

  String submit(String type, String... args) {
    return submit(spec(type, args));
  }

  Job job(String id) {
    Captured<Job> r = new Captured<>();
    feed(new Msg.GetJob(id, r));
    return r.get();
  }

  CancelJobResponse cancel(String id) {
    Captured<CancelJobResponse> r = new Captured<>();
    feed(new Msg.Cancel(id, r));
    return r.get();
  }

  Captured<Job> waitFor(String... ids) {
    Captured<Job> r = new Captured<>();
    feed(new Msg.Wait(++waiterIds, List.of(ids), ids.length > 1, r));
    return r;
  }

  long lastWaiterId() {
    return waiterIds;
  }

  RecordingLink register(String name, int slots, String... types) {
    return register(new RecordingLink(name), slots, types);
  }

  RecordingLink register(RecordingLink link, int slots, String... types) {
    String name = link.name;
    feed(new Msg.WorkerRegister(link, Register.newBuilder().setName(name).setSlots(slots)
        .addAllJobTypes(List.of(types)).build()));
    return link;
  }

  /** A worker of type "t" with {@code slots} that says it still runs {@code held}. */
  RecordingLink registerHolding(String name, int slots, Long... held) {
    RecordingLink link = new RecordingLink(name);
    feed(new Msg.WorkerRegister(link, Register.newBuilder().setName(name).addJobTypes("t")
        .setSlots(slots).addAllHeldLeaseIds(List.of(held)).build()));
    return link;
  }

  /** A numbered results message: the lease succeeded. */
  void succeeded(RecordingLink link, long seq, long leaseId) {
    feed(new Msg.WorkerResults(link, JobResults.newBuilder().setSeq(seq).addResults(
        JobResult.newBuilder().setLeaseId(leaseId).setOutcome(Outcome.OUTCOME_SUCCEEDED)).build()));
  }

  void heartbeat(RecordingLink link, Long... running) {
    feed(new Msg.WorkerHeartbeat(link, Heartbeat.newBuilder().addAllRunningLeaseIds(List.of(running)).build()));
  }

  void result(RecordingLink link, long leaseId, Outcome outcome, String error, String result) {
    feed(new Msg.WorkerResults(link, JobResults.newBuilder().addResults(JobResult.newBuilder()
        .setLeaseId(leaseId).setOutcome(outcome).setError(error)
        .setResult(com.google.protobuf.ByteString.copyFromUtf8(result))).build()));
  }

  void succeed(RecordingLink link, long leaseId) {
    result(link, leaseId, Outcome.OUTCOME_SUCCEEDED, "", "");
  }

  /** Moves time forward in steps of 100ms, ticking after each, with heartbeats from {@code alive}. */
  void advance(Duration d, RecordingLink... alive) {
    long steps = d.toMillis() / 100;
    for (long i = 0; i < steps; i++) {
      clock.advance(Duration.ofMillis(100));
      for (RecordingLink l : alive) {
        heartbeat(l);
      }
      feed(new Msg.Tick());
    }
    long rest = d.toMillis() % 100;
    if (rest > 0) {
      clock.advance(Duration.ofMillis(rest));
      feed(new Msg.Tick());
    }
  }
}
