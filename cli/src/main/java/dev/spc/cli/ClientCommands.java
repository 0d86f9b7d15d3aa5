package dev.spc.cli;

import dev.spc.client.DependencyFailure;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobPage;
import dev.spc.client.JobQuery;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import dev.spc.client.RetryPolicy;
import dev.spc.client.SpcClient;
import dev.spc.client.WorkerInfo;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The client commands: submit, status, cancel, wait, jobs, workers, stop-worker. */
final class ClientCommands {
  private ClientCommands() {}

  @Command(name = "cluster", mixinStandardHelpOptions = true,
      description = "Who leads a cluster of coordinators (--store), as each one given sees it.")
  static final class ClusterCommand implements Callable<Integer> {
    @Mixin
    Target target;

    @Override
    public Integer call() {
      int rc = ExitCodes.OK;
      for (String address : dev.spc.proto.LeaderFollowingChannel.parse(target.coordinator)) {
        Target one = new Target();
        one.coordinator = address;
        one.token = target.token;
        one.tls = target.tls;
        try (SpcClient c = one.connect()) {
          dev.spc.client.ClusterInfo i = c.cluster();
          System.out.printf("%-24s %-8s epoch %-6d leader %s%n", address, i.role(), i.epoch(),
              i.leader() == null ? "(none)" : i.leader());
        } catch (dev.spc.client.SpcException e) {
          System.out.printf("%-24s %-8s %s%n", address, "-", e.getMessage());
          rc = ExitCodes.FAILED;
        }
      }
      return rc;
    }
  }

  @Command(name = "submit", mixinStandardHelpOptions = true,
      description = {"Submit a job; prints its id (or, with --wait, its outcome).",
          "For a program: submit exec -- PROGRAM ARGS... (needs an agent started with --allow-exec)."})
  static final class Submit implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", description = "Job type, e.g. echo, sleep, fail, spin, noop.")
    String type;

    @Parameters(index = "1..*", description = "Arguments for the handler.")
    List<String> args = new ArrayList<>();

    @Option(names = "--max-seconds", description = "Run time allowed once started (default: the coordinator's, 3600).")
    Integer maxSeconds;

    @Option(names = "--priority", description = "Higher runs first (default ${DEFAULT-VALUE}).")
    int priority;

    @Option(names = "--payload", description = "Payload text.")
    String payload;

    @Option(names = "--payload-file", description = "Payload read from this file.")
    Path payloadFile;

    @Option(names = "--idempotency-key", description = "Resubmitting with the same key returns the first job's id.")
    String idempotencyKey;

    @Option(names = "--label", description = "A label to find the job by, KEY=VALUE (repeatable).")
    java.util.Map<String, String> labels = new java.util.LinkedHashMap<>();

    @Option(names = "--after", paramLabel = "ID", description = "Wait for this job to be done first (repeatable); if it fails, this one is cancelled.")
    List<String> after = new ArrayList<>();

    @Option(names = "--run-anyway", description = "With --after: run once they are done whatever their outcomes.")
    boolean runAnyway;

    @Option(names = "--key", description = "A concurrency key: jobs with the same key run one at a time (see 'limit').")
    String key;

    @Option(names = "--constraint", description = "Run only on workers with this label, KEY=VALUE (VALUE * for any; repeatable).")
    java.util.Map<String, String> constraints = new java.util.LinkedHashMap<>();

    @Option(names = "--env", description = "For exec jobs: an environment variable, NAME=VALUE (repeatable).")
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();

    @Option(names = "--cwd", description = "For exec jobs: the working directory on the agent.")
    String cwd;

    @Option(names = "--retries", description = "Retry a crashed or timed-out attempt up to N times (N+1 attempts in all).")
    Integer retries;

    @Option(names = "--backoff", paramLabel = "MIN..MAX", description = "With --retries: the first wait and the longest, doubling between (default 1s..5m).")
    String backoff;

    @Option(names = "--start-in", description = "Start no sooner than this long from now, e.g. 10m.")
    Duration startIn;

    @Option(names = "--start-at", description = "Start no sooner than this time: 2026-12-24T18:00:00Z, or a local 2026-12-24T18:00.")
    String startAt;

    @Option(names = "--expire-after", description = "End EXPIRED if not started within this long, e.g. 1h.")
    Duration expireAfter;

    @Option(names = "--wait", description = "Wait for the outcome and print it; the exit code says how it ended.")
    boolean await;

    @Option(names = "--timeout", description = "With --wait: give up after this long (exit 4).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
      JobSpec.Builder spec = JobSpec.newBuilder(type).args(args).priority(priority);
      if (maxSeconds != null) {
        spec.maxSeconds(maxSeconds);
      }
      if (payload != null && payloadFile != null) {
        throw new IllegalArgumentException("give --payload or --payload-file, not both");
      }
      if (payload != null) {
        spec.payload(payload.getBytes(StandardCharsets.UTF_8));
      } else if (payloadFile != null) {
        spec.payload(Files.readAllBytes(payloadFile));
      }
      if (idempotencyKey != null) {
        spec.idempotencyKey(idempotencyKey);
      }
      spec.env(env).labels(labels).constraints(constraints).concurrencyKey(key == null ? "" : key)
          .dependsOn(after.stream().map(JobId::of).toList())
          .onDependencyFailure(runAnyway ? DependencyFailure.RUN : DependencyFailure.CANCEL);
      // A script run inside a trace (OpenTelemetry's environment carrier) submits into it.
      String trace = System.getenv("TRACEPARENT");
      if (trace != null && dev.spc.common.TraceContext.valid(trace)) {
        String state = System.getenv("TRACESTATE");
        spec.traceContext(trace, state == null ? "" : state);
      }
      if (cwd != null) {
        spec.cwd(cwd);
      }
      timing(spec);
      try (SpcClient spc = target.connect()) {
        JobId id = spc.submit(spec.build());
        if (!await) {
          System.out.println(id);
          return ExitCodes.OK;
        }
        System.err.println("submitted " + id + "; waiting");
        JobStatus done = Follow.job(spc, id, timeout, true);
        Format.outcome(System.out, done);
        return ExitCodes.of(done);
      }
    }

    private void timing(JobSpec.Builder spec) {
      if (retries != null) {
        if (retries < 0) {
          throw new IllegalArgumentException("--retries must not be negative, got " + retries);
        }
        RetryPolicy.Builder p = RetryPolicy.attempts(retries + 1);
        if (backoff != null) {
          String[] range = backoff.split("\\.\\.", -1);
          if (range.length != 2) {
            throw new IllegalArgumentException("--backoff must be MIN..MAX, like 1s..5m, got '" + backoff + "'");
          }
          DurationConverter d = new DurationConverter();
          p.backoff(d.convert(range[0]), d.convert(range[1]));
        }
        spec.retry(p.build());
      } else if (backoff != null) {
        throw new IllegalArgumentException("--backoff needs --retries");
      }
      if (startIn != null && startAt != null) {
        throw new IllegalArgumentException("give --start-in or --start-at, not both");
      }
      if (startIn != null) {
        spec.startAfter(startIn);
      }
      if (startAt != null) {
        spec.startAt(Format.parseTime(startAt));
      }
      if (expireAfter != null) {
        spec.expireAfter(expireAfter);
      }
    }
  }

  @Command(name = "rerun", mixinStandardHelpOptions = true,
      description = "Run a done job again as a new job with the same spec; prints the new id.")
  static final class Rerun implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", description = "Id of a done job.")
    String id;

    @Override
    public Integer call() {
      try (SpcClient spc = target.connect()) {
        System.out.println(spc.rerun(JobId.of(id)));
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a job.")
  static final class Status implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", description = "Job id.")
    String id;

    @Override
    public Integer call() {
      try (SpcClient spc = target.connect()) {
        JobStatus s = spc.status(JobId.of(id));
        Format.details(System.out, s);
        return s.state() == JobState.UNKNOWN ? ExitCodes.NOT_FOUND : ExitCodes.OK;
      }
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Cancel a job (a no-op for a done one).")
  static final class Cancel implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", arity = "0..1", description = "Job id (or select many with the options).")
    @Nullable String id;

    @Option(names = {"--label", "--selector"}, description = "Cancel every job not done carrying this label,"
        + " KEY=VALUE (VALUE * for any; repeatable; with the other options: all must match).")
    java.util.Map<String, String> labels = new java.util.LinkedHashMap<>();

    @Option(names = "--type", description = "Cancel every job not done of this type.")
    @Nullable String type;

    @Option(names = "--state", description = "Cancel every job in this state (repeatable):"
        + " PENDING, SCHEDULED, RUNNING.")
    List<JobState> states = new ArrayList<>();

    @Option(names = "--priority-below", description = "Cancel every job not done whose priority is below this.")
    @Nullable Integer priorityBelow;

    @Override
    public Integer call() {
      boolean selecting = !labels.isEmpty() || type != null || !states.isEmpty() || priorityBelow != null;
      if (selecting == (id != null)) {
        throw new IllegalArgumentException("give a job id, or select jobs with --label, --type,"
            + " --state or --priority-below");
      }
      try (SpcClient spc = target.connect()) {
        if (selecting) {
          long n = spc.cancelJobs(new dev.spc.client.JobSelector(labels, type, java.util.Set.copyOf(states),
              priorityBelow == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(priorityBelow)));
          System.out.println(n + " jobs cancelled");
          return ExitCodes.OK;
        }
        String id = java.util.Objects.requireNonNull(this.id);
        JobState after = spc.cancel(JobId.of(id));
        if (after == JobState.UNKNOWN) {
          System.out.println(id + " UNKNOWN");
          return ExitCodes.NOT_FOUND;
        }
        System.out.println(id + " " + spc.status(JobId.of(id)).describe());
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "wait", mixinStandardHelpOptions = true,
      description = "Wait for jobs to be done and print their outcomes; the exit code says how "
          + "they ended (the first that did not end DONE).")
  static final class Wait implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(arity = "1..*", description = "Job ids.")
    List<String> ids;

    @Option(names = "--any", description = "Return when the first of them is done.")
    boolean any;

    @Option(names = "--timeout", description = "Give up after this long (exit 4).")
    Duration timeout;

    @Override
    public Integer call() {
      try (SpcClient spc = target.connect()) {
        Set<JobId> jobIds = new LinkedHashSet<>();
        ids.forEach(i -> jobIds.add(JobId.of(i)));
        if (any) {
          JobStatus s = spc.awaitAny(jobIds, timeout);
          Format.outcome(System.out, s);
          return ExitCodes.of(s);
        }
        if (jobIds.size() == 1) {
          JobStatus s = Follow.job(spc, jobIds.iterator().next(), timeout, true);
          Format.outcome(System.out, s);
          return ExitCodes.of(s);
        }
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        int code = ExitCodes.OK;
        for (JobId id : jobIds) {
          Duration left = timeout == null ? null
              : Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
          JobStatus s = spc.await(id, left);
          Format.outcome(System.out, s);
          if (code == ExitCodes.OK) {
            code = ExitCodes.of(s);
          }
        }
        return code;
      }
    }
  }

  @Command(name = "logs", mixinStandardHelpOptions = true,
      description = "Print a job's retained log lines; with -f, follow them until the job is done.")
  static final class Logs implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", description = "Job id.")
    String id;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until the job is done.")
    boolean follow;

    @Override
    public Integer call() {
      try (SpcClient spc = target.connect();
          dev.spc.client.JobWatch watch = spc.watch(JobId.of(id), follow)) {
        JobStatus last = null;
        while (watch.hasNext()) {
          dev.spc.client.JobEvent e = watch.next();
          switch (e.kind()) {
            case LOG -> (e.isStderr() ? System.err : System.out).println(e.text()); // a process's stderr to ours
            case STATE -> last = e.status();
            case SKIPPED -> System.err.println("[" + e.skipped() + " events skipped]");
            case PROGRESS -> { }
          }
        }
        if (follow && last != null) {
          System.err.println(id + " " + last.describe());
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "jobs", mixinStandardHelpOptions = true,
      description = "List jobs in submission order (or, with --newest, the latest first).")
  static final class Jobs implements Callable<Integer> {
    @Mixin
    Target target;

    @Option(names = "--state", description = "Only jobs in this state: ${COMPLETION-CANDIDATES}.")
    JobState state;

    @Option(names = "--reason", description = "Only done jobs that ended for this reason: ${COMPLETION-CANDIDATES}.")
    DoneReason reason;

    @Option(names = "--dead", description = "Only jobs that failed for good with no attempt left (re-run them with 'rerun ID').")
    boolean dead;

    @Option(names = "--schedule", description = "Only jobs this schedule made.")
    String schedule;

    @Option(names = "--type", description = "Only jobs of this type.")
    String type;

    @Option(names = "--label", description = "Only jobs carrying this label, KEY=VALUE (VALUE * for any; repeatable).")
    java.util.Map<String, String> labels = new java.util.LinkedHashMap<>();

    @Option(names = "--limit", description = "At most this many (default ${DEFAULT-VALUE}).")
    int limit = 100;

    @Option(names = "--newest", description = "The latest submitted first.")
    boolean newest;

    @Override
    public Integer call() {
      if (limit < 1) {
        throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
      }
      try (SpcClient spc = target.connect()) {
        List<JobStatus> jobs = new ArrayList<>();
        String token = "";
        while (jobs.size() < limit) {
          JobPage page = spc.find(query(), Math.min(1000, limit - jobs.size()), token);
          jobs.addAll(page.jobs());
          if (page.nextPageToken().isEmpty()) {
            break;
          }
          token = page.nextPageToken().get();
        }
        Format.jobTable(System.out, jobs);
        return ExitCodes.OK;
      }
    }

    private JobQuery query() {
      return new JobQuery(state != null ? state : reason != null || dead ? JobState.DONE : null,
          java.util.Optional.ofNullable(reason), dead, java.util.Optional.ofNullable(schedule),
          java.util.Optional.ofNullable(type), labels, newest);
    }
  }

  @Command(name = "workers", mixinStandardHelpOptions = true, description = "List connected workers.")
  static final class Workers implements Callable<Integer> {
    @Mixin
    Target target;

    @Override
    public Integer call() {
      try (SpcClient spc = target.connect()) {
        List<WorkerInfo> ws = spc.workers();
        Format.workerTable(System.out, ws);
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "stop-worker", mixinStandardHelpOptions = true,
      description = "Stop a worker: its running jobs become CANCELLED and it leaves.")
  static final class StopWorker implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", description = "Worker name.")
    String name;

    @Option(names = "--drain", description = "Let its running jobs finish (within its --drain-timeout) instead of cancelling them.")
    boolean drain;

    @Override
    public Integer call() {
      try (SpcClient spc = target.connect()) {
        if (drain) {
          spc.drainWorker(name);
          System.out.println("draining " + name + ": it takes no new jobs and leaves when its running ones are done");
          return ExitCodes.OK;
        }
        List<JobId> cancelled = spc.stopWorker(name);
        PrintStream out = System.out;
        out.println("stopped " + name + (cancelled.isEmpty() ? "" : "; cancelled "
            + String.join(" ", cancelled.stream().map(JobId::value).toList())));
        return ExitCodes.OK;
      }
    }
  }
}
