package dev.spc.worker.exec;

import dev.spc.worker.Dependency;
import dev.spc.worker.JobContext;
import dev.spc.worker.JobFailedException;
import dev.spc.worker.JobHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code exec} job type: args are the argv (no shell unless the job asks for one), env and
 * cwd come from the spec, the payload is the program's stdin. Exit 0 is DONE; anything else is
 * CRASHED with the exit code and the output tail. Offered only by agents started with
 * {@code --allow-exec}.
 *
 * <p>The program's stdout and stderr lines go to the job's watchers marked with their stream, and
 * each has its own tail. Signals sent to the job ({@code SignalJob}: HUP, INT, USR1, USR2, TERM)
 * go to its process group.
 *
 * <p>A job with dependencies gets their outcomes in its environment: {@code SPC_DEPENDENCIES}
 * (their ids, space-separated, in {@code depends_on} order) and, for each, numbered from 0,
 * {@code SPC_DEPENDENCY_<i>_ID}, {@code SPC_DEPENDENCY_<i>_OUTCOME} (DONE, CRASHED, CANCELLED,
 * TIMEOUT, EXPIRED), {@code SPC_DEPENDENCY_<i>_EXIT_CODE} when there is one, and
 * {@code SPC_DEPENDENCY_<i>_RESULT}, a file holding its result bytes, in the directory
 * {@code SPC_DEPENDENCY_DIR} that is removed when the program ends ({@code _RESULT_LEFT_OUT=1} when
 * the results were over 4 MiB in all and this one was left out).
 */
public final class ExecHandler implements JobHandler {
  public static final String TYPE = "exec";
  public static final int DEFAULT_TAIL_BYTES = 64 << 10;
  static final Set<String> SIGNALS = Set.of("HUP", "INT", "USR1", "USR2", "TERM");

  private final ExecSupervisor supervisor;

  public ExecHandler(int tailBytes) {
    this.supervisor = new ExecSupervisor(tailBytes);
  }

  @Override
  public void handle(JobContext ctx) throws Exception {
    List<Dependency> deps = ctx.dependencies();
    Path depDir = deps.isEmpty() ? null : Files.createTempDirectory("spc-deps-");
    try {
      Map<String, String> env = ctx.env();
      if (depDir != null || ctx.traceparent().isPresent()) {
        env = new HashMap<>(env);
        if (depDir != null) {
          env.putAll(dependencyEnv(deps, depDir));
        }
        // The trace context as OpenTelemetry's environment carrier names it.
        String trace = ctx.traceparent().orElse(null);
        if (trace != null) {
          env.put("TRACEPARENT", trace);
          if (!ctx.tracestate().isEmpty()) {
            env.put("TRACESTATE", ctx.tracestate());
          }
        }
      }
      ExecSupervisor.Running p = supervisor.start(ctx.args(), env, ctx.cwd(), ctx.payload(), ctx::output);
      ctx.onForceStop(p::forceStop);
      ctx.onSignal(s -> {
        if (SIGNALS.contains(s.name())) {
          p.sendSignal(s.name());
        } else {
          ctx.log("[spc: signal " + s.name() + " is not one a program can get; ignored]");
        }
      });
      ExecSupervisor.Outcome o = p.await(ctx::isCancelled);
      ctx.processEnded(o.exitStatus(), o.outputTail(), o.stdoutTail(), o.stderrTail());
      if (ctx.isCancelled()) {
        return; // reported as stopped
      }
      if (!o.succeeded()) {
        throw new JobFailedException(o.describe());
      }
    } finally {
      if (depDir != null) {
        deleteTree(depDir);
      }
    }
  }

  /** The environment that tells a program its dependencies' outcomes; results go to files. */
  static Map<String, String> dependencyEnv(List<Dependency> deps, Path dir) throws IOException {
    Map<String, String> env = new HashMap<>();
    StringBuilder ids = new StringBuilder();
    for (int i = 0; i < deps.size(); i++) {
      Dependency d = deps.get(i);
      ids.append(i == 0 ? "" : " ").append(d.jobId());
      String p = "SPC_DEPENDENCY_" + i + "_";
      env.put(p + "ID", d.jobId());
      env.put(p + "OUTCOME", d.outcome());
      if (d.exitCode() != null) {
        env.put(p + "EXIT_CODE", Integer.toString(d.exitCode()));
      }
      Path result = dir.resolve(i + ".result");
      Files.write(result, d.result());
      env.put(p + "RESULT", result.toString());
      if (d.resultLeftOut()) {
        env.put(p + "RESULT_LEFT_OUT", "1"); // too large to hand over: the file is empty
      }
    }
    env.put("SPC_DEPENDENCIES", ids.toString());
    env.put("SPC_DEPENDENCY_DIR", dir.toString());
    return env;
  }

  private static void deleteTree(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a temporary directory left behind is not the job's failure
    }
  }
}
