package dev.spc.bench.peers;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.spc.cli.local.LocalPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.InMemoryStorageProvider;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;

/**
 * The Java schedulers users pick today, on the same burn-down as {@code bin/spc bench}: N no-op
 * jobs, the time from the first submit to the N-th success. Each runs in this one process, with
 * its workers in the same JVM as the code that submits (how both are usually deployed and
 * benchmarked), tuned as its documentation recommends for many short jobs:
 *
 * <ul>
 *   <li>{@code jobrunr-memory N}: JobRunr with its {@code InMemoryStorageProvider}, the default
 *       worker count, the shortest poll interval it accepts, jobs enqueued as one stream (its
 *       batch API).
 *   <li>{@code jobrunr-postgres N}: the same on {@code PostgresStorageProvider}.
 *   <li>{@code db-scheduler N}: db-scheduler on PostgreSQL with its lock-and-fetch polling
 *       (SELECT ... FOR UPDATE SKIP LOCKED, recommended for PostgreSQL throughput), jobs
 *       scheduled in batches.
 * </ul>
 *
 * The PostgreSQL runs start their own database with {@link LocalPostgres} (Debian's packages).
 * Prints one line: {@code jobs_per_s=X}.
 */
public final class JavaPeers {
  static final AtomicLong DONE = new AtomicLong();

  private JavaPeers() {}

  /** The job: nothing. */
  public static void noop(int i) {
    DONE.incrementAndGet();
  }

  public static void main(String[] args) throws Exception {
    String which = args.length > 0 ? args[0] : "";
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    double rate = switch (which) {
      case "jobrunr-memory" -> jobrunr(new InMemoryStorageProvider(), n);
      case "jobrunr-postgres" -> {
        try (LocalPostgres pg = LocalPostgres.start(); HikariDataSource ds = pool(pg)) {
          yield jobrunr(new PostgresStorageProvider(ds), n);
        }
      }
      case "db-scheduler" -> {
        try (LocalPostgres pg = LocalPostgres.start(); HikariDataSource ds = pool(pg)) {
          yield dbScheduler(ds, n);
        }
      }
      default -> throw new IllegalArgumentException(
          "usage: JavaPeers jobrunr-memory|jobrunr-postgres|db-scheduler N");
    };
    System.out.printf(Locale.ROOT, "jobs_per_s=%.0f%n", rate);
    System.exit(0);
  }

  private static HikariDataSource pool(LocalPostgres pg) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(pg.url());
    c.setMaximumPoolSize(20);
    return new HikariDataSource(c);
  }

  private static double jobrunr(StorageProvider storage, int n) throws InterruptedException {
    JobScheduler scheduler = JobRunr.configure()
        .useStorageProvider(storage)
        .useBackgroundJobServer(BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
            .andPollInterval(Duration.ofSeconds(5)))
        .initialize().getJobScheduler();
    // warm-up: a tenth, not timed
    int warm = Math.max(1, n / 10);
    scheduler.enqueue(IntStream.range(0, warm).boxed(), i -> JavaPeers.noop(i));
    awaitDone(warm);
    long start = System.nanoTime();
    scheduler.enqueue(IntStream.range(0, n).boxed(), i -> JavaPeers.noop(i));
    awaitDone(warm + n);
    double secs = (System.nanoTime() - start) / 1e9;
    JobRunr.destroy();
    return n / secs;
  }

  private static double dbScheduler(HikariDataSource ds, int n) throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("""
          create table scheduled_tasks (
            task_name text not null, task_instance text not null, task_data bytea,
            execution_time timestamp with time zone, picked boolean not null, picked_by text,
            last_success timestamp with time zone, last_failure timestamp with time zone,
            consecutive_failures int, last_heartbeat timestamp with time zone,
            version bigint not null, priority smallint, state text,
            primary key (task_name, task_instance))""");
      s.execute("create index execution_time_idx on scheduled_tasks (execution_time)");
      s.execute("create index last_heartbeat_idx on scheduled_tasks (last_heartbeat)");
      s.execute("create index priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc)");
    }
    OneTimeTask<Void> task = Tasks.oneTime("noop").execute((inst, ctx) -> DONE.incrementAndGet());
    int threads = 10 * Runtime.getRuntime().availableProcessors();
    Scheduler scheduler = Scheduler.create(ds, task)
        .threads(threads)
        .pollingInterval(Duration.ofMillis(100))
        .pollUsingLockAndFetch(0.5, 3.0)
        .build();
    scheduler.start();
    int warm = Math.max(1, n / 10);
    schedule(scheduler, task, "w", warm);
    awaitDone(warm);
    long start = System.nanoTime();
    schedule(scheduler, task, "j", n);
    awaitDone(warm + n);
    double secs = (System.nanoTime() - start) / 1e9;
    scheduler.stop();
    return n / secs;
  }

  private static void schedule(Scheduler scheduler, OneTimeTask<Void> task, String prefix, int n) {
    Instant now = Instant.now();
    for (int from = 0; from < n; from += 1000) {
      List<TaskInstance<?>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + 1000); i++) {
        batch.add(task.instance(prefix + i));
      }
      scheduler.scheduleBatch(batch, now);
    }
  }

  private static void awaitDone(long n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
    while (DONE.get() < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + DONE.get() + " of " + n + " jobs done in 30 minutes");
      }
      Thread.sleep(5);
    }
  }
}
