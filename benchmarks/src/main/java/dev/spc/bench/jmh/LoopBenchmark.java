package dev.spc.bench.jmh;

import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.JobResult;
import dev.spc.proto.JobResults;
import dev.spc.proto.JobSpec;
import dev.spc.proto.Lease;
import dev.spc.proto.Outcome;
import dev.spc.proto.Register;
import dev.spc.server.loop.Clock;
import dev.spc.server.loop.Coordinator;
import dev.spc.server.loop.CoordinatorConfig;
import dev.spc.server.loop.Failure;
import dev.spc.server.loop.Msg;
import dev.spc.server.loop.Reply;
import dev.spc.server.loop.WorkerLink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The coordinator's state machine with no network: one batch of no-op submits, dispatched to a
 * worker as leases, then one message of results. Jobs per second here is the ceiling for
 * everything the network adds. {@code shape}: plain no-op jobs, or each with one of 1,000
 * concurrency keys and a constraint its worker's labels meet (what those features cost dispatch).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LoopBenchmark {
  public static final int BATCH = 1000;

  private Coordinator coordinator;
  private CapturingLink link;
  private List<JobSpec> specs;

  @Param({"plain", "keys-constraints"})
  public String shape = "plain";

  /** Whether the loop reports to the Prometheus metrics (what the HTTP port turns on). */
  @Param({"off", "on"})
  public String metrics = "off";

  /**
   * Where the loop's changes go: nowhere (in memory), or to a store that takes each batch's rows
   * as a durable one does, serialized, and commits them at once: what durability costs the loop
   * and its writer in CPU, without the disk.
   */
  @Param({"memory", "rows"})
  public String store = "memory";

  private @Nullable RowSink rows;

  /** Serializes each row as a store's writer would, and remembers the last batch for the commit. */
  static final class RowSink implements dev.spc.server.loop.Persistence {
    long lastBatch;
    /** The rows' sizes, summed so that their serialization is work the JIT cannot drop. */
    long bytes;

    @Override
    public void persist(long batchNo, Changes changes) {
      for (JobRow r : changes.upserts()) {
        bytes += r.state().length + (r.fixed() == null ? 0 : r.fixed().length);
      }
      lastBatch = batchNo;
    }
  }

  /** A worker stream that keeps the leases it is sent. */
  static final class CapturingLink implements WorkerLink {
    final List<Lease> leases = new ArrayList<>();

    @Override
    public void send(CoordinatorMessage m) {
      if (m.hasLeases()) {
        leases.addAll(m.getLeases().getLeasesList());
      }
    }

    @Override
    public void close(@Nullable Failure failure) {}

    @Override
    public String peer() {
      return "bench";
    }
  }

  private static final Reply<List<String>> IGNORE = new Reply<>() {
    @Override
    public void ok(List<String> value) {}

    @Override
    public void fail(Failure failure) {
      throw new IllegalStateException(failure.toString());
    }
  };

  @Setup(Level.Trial)
  public void setUp() {
    // Keep few done jobs so that the loop is measured in a steady state, not a growing heap.
    CoordinatorConfig cfg = CoordinatorConfig.newBuilder().maxDoneJobs(10_000).build();
    if (store.equals("rows")) {
      rows = new RowSink();
      coordinator = new Coordinator(cfg, Clock.system(), new java.util.SplittableRandom(1), rows, "bench", 1,
          List.of());
    } else {
      coordinator = new Coordinator(cfg, Clock.system());
    }
    if (metrics.equals("on")) {
      coordinator.metrics(new dev.spc.server.metrics.CoordinatorMetrics(millis -> null));
    }
    link = new CapturingLink();
    coordinator.handle(new Msg.WorkerRegister(link, Register.newBuilder().setName("bench")
        .addJobTypes("noop").setSlots(1024).putLabels("zone", "eu").build()));
    coordinator.afterBatch();
    specs = new ArrayList<>();
    for (int i = 0; i < BATCH; i++) {
      JobSpec.Builder spec = JobSpec.newBuilder().setType("noop");
      if (shape.equals("keys-constraints")) {
        spec.setConcurrencyKey("key-" + i).putConstraints("zone", "eu");
      }
      specs.add(spec.build());
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int submitLeaseFinish() {
    coordinator.handle(new Msg.Submit(specs, true, IGNORE));
    afterBatch();
    JobResults.Builder results = JobResults.newBuilder();
    for (Lease l : link.leases) {
      results.addResults(JobResult.newBuilder().setLeaseId(l.getLeaseId())
          .setOutcome(Outcome.OUTCOME_SUCCEEDED));
    }
    int n = link.leases.size();
    link.leases.clear();
    coordinator.handle(new Msg.WorkerResults(link, results.build()));
    afterBatch();
    return n;
  }

  /** Ends the batch and, with a store, commits it at once (its leases go out then). */
  private void afterBatch() {
    coordinator.afterBatch();
    if (rows != null) {
      coordinator.handle(new Msg.Committed(rows.lastBatch));
      coordinator.afterBatch();
    }
  }
}
