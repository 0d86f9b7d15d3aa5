package dev.spc.cli;

import dev.spc.worker.AgentExit;
import dev.spc.worker.SlotThreads;
import dev.spc.worker.WorkerAgent;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spc worker}: runs a worker agent until stopped. */
@Command(name = "worker", mixinStandardHelpOptions = true,
    description = {"Run a worker agent.",
        "Handlers come from the built-in types (sleep, fail, spin, echo, noop) and from every "
            + "JobHandlerProvider found with ServiceLoader on the classpath and in --plugins."})
final class WorkerCommand implements Callable<Integer> {
  private static final dev.spc.common.Log LOG = dev.spc.common.Log.get(WorkerCommand.class);

  @Option(names = "--coordinator", description = "HOST:PORT of the coordinator, or several"
      + " comma-separated for a cluster: the agent follows the leader (default ${DEFAULT-VALUE}).")
  String coordinator = "127.0.0.1:7070";

  @Option(names = "--token",
      description = "Bearer token of role worker, for a coordinator that asks for one (default: $SPC_TOKEN).")
  @Nullable String token;

  @picocli.CommandLine.Mixin
  TlsOptions tls = new TlsOptions();

  @Option(names = "--name", required = true, description = "Unique worker name.")
  String name;

  @Option(names = "--slots", description = "Jobs run at once (default ${DEFAULT-VALUE}).")
  int slots = 1;

  @Option(names = "--slot-threads", description = "What jobs run on: platform (an OS thread per"
      + " slot, the default) or virtual (a virtual thread per job: cheaper for many short or"
      + " blocking jobs; a job that computes without blocking holds one of the JVM's carriers).")
  SlotThreads slotThreads = SlotThreads.PLATFORM;

  @Option(names = "--stop-grace", description = "Time a stopped job gets before its slot counts as stuck (default 5s).")
  Duration stopGrace = Duration.ofSeconds(5);

  @Option(names = "--drain-timeout", description = "On SIGTERM or stop-worker --drain: how long running jobs may finish before they are stopped (default 30s).")
  Duration drainTimeout = Duration.ofSeconds(30);

  @Option(names = "--connect-timeout", description = "How long to try reaching the coordinator at start (default 10s).")
  Duration connectTimeout = Duration.ofSeconds(10);

  @Option(names = "--plugins", description = "Directory of jars with JobHandlerProvider implementations.")
  Path plugins;

  @Option(names = "--no-builtins", description = "Do not offer the built-in job types.")
  boolean noBuiltins;

  @Option(names = "--allow-exec", description = "Offer the exec type: run programs submitted as jobs on this host.")
  boolean allowExec;

  @Option(names = "--label", description = "A label jobs are routed by (their --constraint), KEY=VALUE (repeatable).")
  java.util.Map<String, String> labels = new java.util.LinkedHashMap<>();

  @Option(names = "--metrics-port", description = "Serve Prometheus metrics at /metrics on this"
      + " port (0: any free one, logged); none unless given.")
  @Nullable Integer metricsPort;

  @Option(names = "--metrics-bind", description = "The address for --metrics-port (default"
      + " ${DEFAULT-VALUE}: all, for a Prometheus on another host).")
  String metricsBind = "0.0.0.0";

  @picocli.CommandLine.Mixin
  LogLevel logLevel;

  @Override
  public Integer call() throws Exception {
    logLevel.apply();
    tls.check();
    WorkerAgent.Builder builder = WorkerAgent.newBuilder();
    if (tls.enabled()) {
      builder.tlsCa(tls.ca);
      if (tls.cert != null && tls.key != null) {
        builder.tlsClientCertificate(tls.cert, tls.key);
      }
    }
    WorkerAgent agent = builder
        .coordinator(coordinator)
        .name(name)
        .token(token)
        .slots(slots)
        .slotThreads(slotThreads)
        .stopGrace(stopGrace)
        .drainTimeout(drainTimeout)
        .connectTimeout(connectTimeout)
        .builtins(!noBuiltins)
        .allowExec(allowExec)
        .labels(labels)
        .discoverHandlers(handlerLoader())
        .build();
    // SIGTERM/Ctrl-C: drain (no new jobs, running ones may finish), leave, exit 0.
    if (!dev.spc.common.Signals.onTerminate(agent::drainAndClose)) {
      Runtime.getRuntime().addShutdownHook(
          Thread.ofPlatform().name("spc-shutdown").unstarted(agent::close));
    }
    if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
      throw new IllegalArgumentException("--metrics-port must be between 0 and 65535, got " + metricsPort);
    }
    agent.start();
    AgentMetricsServer metrics = null;
    if (metricsPort != null) {
      try {
        metrics = new AgentMetricsServer(agent, metricsBind, metricsPort);
      } catch (java.io.IOException e) {
        agent.close();
        throw new IllegalArgumentException("cannot serve metrics on " + metricsBind + ":" + metricsPort
            + ": " + e.getMessage(), e);
      }
      LOG.info("metrics", "worker", name, "address", "http://" + metricsBind + ":" + metrics.port() + "/metrics");
    }
    AgentExit exit = agent.awaitExit();
    if (metrics != null) {
      metrics.close();
    }
    if (exit.reason() != AgentExit.Reason.CLOSED) {
      System.err.println("spc worker: " + exit.message());
    }
    return exit.exitCode();
  }

  private ClassLoader handlerLoader() throws IOException {
    ClassLoader parent = WorkerCommand.class.getClassLoader();
    if (plugins == null) {
      return parent;
    }
    if (!Files.isDirectory(plugins)) {
      throw new IllegalArgumentException("--plugins must be a directory, got '" + plugins + "'");
    }
    List<URL> jars = new ArrayList<>();
    try (Stream<Path> files = Files.list(plugins)) {
      for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".jar"))::iterator) {
        jars.add(p.toUri().toURL());
      }
    }
    return new URLClassLoader(jars.toArray(URL[]::new), parent);
  }
}
