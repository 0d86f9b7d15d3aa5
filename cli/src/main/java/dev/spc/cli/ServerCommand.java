package dev.spc.cli;

import dev.spc.common.Log;
import dev.spc.proto.TlsFiles;
import dev.spc.server.CoordinatorServer;
import dev.spc.server.auth.TokenFile;
import dev.spc.server.ha.HaNode;
import dev.spc.server.loop.CoordinatorConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spc server}: runs a coordinator until SIGTERM or Ctrl-C. */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = "Run a coordinator.")
final class ServerCommand implements Callable<Integer> {
  private static final Log log = Log.get(dev.spc.server.CoordinatorServer.class);

  @Option(names = "--port", description = "Port to listen on, 0 for any free one (default ${DEFAULT-VALUE}).")
  int port = 7070;

  @Option(names = "--bind", description = "Address to listen on (default ${DEFAULT-VALUE}).")
  String bind = "127.0.0.1";

  @Option(names = "--heartbeat-interval", description = "How often agents send heartbeats (default 1s).")
  Duration heartbeatInterval = Duration.ofSeconds(1);

  @Option(names = "--heartbeat-timeout", description = "Silence after which a worker is lost (default 3s).")
  Duration heartbeatTimeout = Duration.ofSeconds(3);

  @Option(names = "--default-max-seconds", description = "max_seconds of jobs that give none (default ${DEFAULT-VALUE}).")
  int defaultMaxSeconds = 3600;

  @Option(names = "--default-max-attempts", description = "Attempts of jobs whose retry policy does not say (default ${DEFAULT-VALUE}: no retry).")
  int defaultMaxAttempts = 1;

  @Option(names = "--max-attempts-limit", description = "The most attempts a job may ask for (default ${DEFAULT-VALUE}).")
  int maxAttemptsLimit = 100;

  @Option(names = "--max-pending", description = "Pending jobs held before submits are refused (default ${DEFAULT-VALUE}).")
  int maxPending = 1_000_000;

  @Option(names = "--data-dir", description = "Where jobs are kept durably (default ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("spc-data");

  @Option(names = "--store-engine", description = "How --data-dir keeps jobs: log (an append-only"
      + " log with snapshots) or sqlite; default: the engine the directory holds, log for a new one.")
  @Nullable String storeEngine;

  @Option(names = "--tokens-file", description = "Accept only calls with a bearer token listed here"
      + " (spc token create), each as its role allows; the file is re-read when it changes.")
  @Nullable Path tokensFile;

  @Option(names = "--tls-cert", description = "Serve TLS with this PEM certificate (chain);"
      + " re-read when it changes.")
  @Nullable Path tlsCert;

  @Option(names = "--tls-key", description = "The PEM (PKCS#8) private key of --tls-cert.")
  @Nullable Path tlsKey;

  @Option(names = "--client-ca", description = "Require client certificates signed by this PEM CA"
      + " (mutual TLS); a certificate's OU=spc-<role> grants its role.")
  @Nullable Path clientCa;

  @Option(names = "--insecure", description = "Allow a non-loopback --bind without TLS and"
      + " credentials (anyone who reaches the port can run jobs).")
  boolean insecure;

  @Option(names = "--store", description = "Keep jobs in PostgreSQL, shared by several"
      + " coordinators of which one leads: jdbc:postgresql://HOST:PORT/DB?user=U (password from"
      + " the URL or PGPASSWORD). Needs --advertise.")
  @Nullable String store;

  @Option(names = "--advertise", description = "With --store: HOST:PORT that clients and agents"
      + " are sent to while this coordinator leads (default: --bind and --port; required with a"
      + " wildcard --bind).")
  @Nullable String advertise;

  @Option(names = "--leader-lease", description = "With --store: how long a leader's lease lasts"
      + " without renewal; a standby takes over after it (default 2s).")
  Duration leaderLease = Duration.ofSeconds(2);

  @Option(names = "--in-memory", description = "Keep jobs in memory only: a restart forgets them.")
  boolean inMemory;

  @Option(names = "--reconnect-grace", description = "After a restart, how long agents have to report the jobs they still run (default 10s).")
  Duration reconnectGrace = Duration.ofSeconds(10);

  @Option(names = "--max-done-age", description = "How long done jobs are kept (default 7d).")
  Duration maxDoneAge = Duration.ofDays(7);

  @Option(names = "--max-done", description = "Done jobs kept for status and wait; older ones are forgotten (default ${DEFAULT-VALUE}).")
  int maxDone = 1_000_000;

  @Option(names = "--http-port", description = "Port of the HTTP/JSON API and /metrics on the"
      + " same address; 0 turns it off (default 7071, or any free port with --port 0). With"
      + " --store only the leader serves it.")
  Integer httpPort;

  @Option(names = "--io-threads", description = "Threads that carry the gRPC connections"
      + " (default 0: one per four cores, at least one).")
  int ioThreads;

  @Option(names = "--port-file", description = "Write the port listened on to this file once ready.")
  Path portFile;

  @picocli.CommandLine.Mixin
  LogLevel logLevel;

  /** {@code --store}: one coordinator of a cluster, standing by or leading. */
  private int runInCluster(CoordinatorConfig cfg) throws Exception {
    if (inMemory) {
      System.err.println("spc server: --store and --in-memory exclude each other");
      return ExitCodes.USAGE;
    }
    if (storeEngine != null) {
      System.err.println("spc server: --store-engine chooses how --data-dir keeps jobs; with --store"
          + " they are kept in PostgreSQL");
      return ExitCodes.USAGE;
    }
    if (advertise != null && !advertise.matches("[^\\s:]+:[0-9]{1,5}")) {
      System.err.println("spc server: --advertise must be HOST:PORT (the address clients and"
          + " agents reach this coordinator at), got '" + advertise + "'");
      return ExitCodes.USAGE;
    }
    HaNode node;
    try {
      TlsFiles tls = tlsCert == null || tlsKey == null ? null
          : TlsFiles.forServer(tlsCert, tlsKey, clientCa);
      TokenFile tokens = tokensFile == null ? null : TokenFile.load(tokensFile);
      CoordinatorServer.requireSecured(bind, tls, tokens, insecure);
      node = HaNode.newBuilder().store(java.util.Objects.requireNonNull(store)).bind(bind)
          .port(port).httpPort(httpPort()).ioThreads(ioThreads).advertise(advertise == null ? "" : advertise).config(cfg).lease(leaderLease).tls(tls).tokens(tokens)
          .build();
      node.start();
    } catch (java.io.IOException | IllegalArgumentException e) {
      System.err.println("spc server: " + e.getMessage());
      return ExitCodes.FAILED;
    }
    java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
    Runnable shutdown = () -> {
      try {
        log.info("shutting down");
        node.close();
        log.info("stopped");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        stop.countDown();
      }
    };
    if (!dev.spc.common.Signals.onTerminate(shutdown)) {
      Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("spc-shutdown").unstarted(shutdown));
    }
    writePortFile(node.port());
    node.awaitTermination();
    stop.await(30, java.util.concurrent.TimeUnit.SECONDS);
    return ExitCodes.OK;
  }

  /** The HTTP port for the builder: -1 for none, 0 for any free one. */
  private int httpPort() {
    if (httpPort == null) {
      return port == 0 ? 0 : 7071;
    }
    return httpPort == 0 ? -1 : httpPort;
  }

  private void writePortFile(int listening) throws java.io.IOException {
    if (portFile != null) {
      Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
      Files.writeString(tmp, Integer.toString(listening), StandardCharsets.UTF_8);
      Files.move(tmp, portFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public Integer call() throws Exception {
    logLevel.apply();
    CoordinatorConfig cfg = CoordinatorConfig.newBuilder()
        .heartbeatInterval(heartbeatInterval)
        .heartbeatTimeout(heartbeatTimeout)
        .defaultMaxSeconds(defaultMaxSeconds)
        .defaultMaxAttempts(defaultMaxAttempts)
        .maxAttemptsLimit(maxAttemptsLimit)
        .maxPendingJobs(maxPending)
        .maxDoneJobs(maxDone)
        .maxDoneAge(maxDoneAge)
        .reconnectGrace(reconnectGrace)
        .build();
    if ((tlsCert == null) != (tlsKey == null)) {
      System.err.println("spc server: --tls-cert and --tls-key go together; give both");
      return ExitCodes.USAGE;
    }
    if (clientCa != null && tlsCert == null) {
      System.err.println("spc server: --client-ca needs TLS: give --tls-cert and --tls-key too");
      return ExitCodes.USAGE;
    }
    if (ioThreads < 0) {
      System.err.println("spc server: --io-threads must be 0 (one per four cores) or more, got " + ioThreads);
      return ExitCodes.USAGE;
    }
    if (store != null) {
      return runInCluster(cfg);
    }
    dev.spc.server.store.StoreEngine engine = null;
    if (storeEngine != null) {
      if (inMemory) {
        System.err.println("spc server: --store-engine and --in-memory exclude each other");
        return ExitCodes.USAGE;
      }
      try {
        engine = dev.spc.server.store.StoreEngine.named(storeEngine);
      } catch (IllegalArgumentException e) {
        System.err.println("spc server: " + e.getMessage());
        return ExitCodes.USAGE;
      }
    }
    CoordinatorServer server;
    try {
      server = CoordinatorServer.newBuilder().config(cfg).bind(bind).port(port).httpPort(httpPort())
          .ioThreads(ioThreads)
          .dataDir(inMemory ? null : dataDir)
          .storeEngine(engine)
          .tokens(tokensFile == null ? null : TokenFile.load(tokensFile))
          .tls(tlsCert == null || tlsKey == null ? null
              : TlsFiles.forServer(tlsCert, tlsKey, clientCa))
          .insecure(insecure)
          .build();
    } catch (java.io.IOException e) {
      System.err.println("spc server: " + e.getMessage());
      return ExitCodes.FAILED;
    }
    try {
      server.start();
    } catch (java.io.IOException e) {
      String why = String.valueOf(e.getMessage());
      System.err.println("spc server: " + (why.startsWith("cannot serve HTTP") ? why + " (--http-port"
          + " chooses another, 0 turns it off)" : "cannot listen on " + bind + ":" + port + ": "
          + (e.getCause() != null ? e.getCause().getMessage() : why)));
      return ExitCodes.FAILED;
    }
    // SIGTERM/Ctrl-C: refuse new work (UNAVAILABLE), tell agents, finish in-flight calls, exit 0.
    java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
    Runnable shutdown = () -> {
      try {
        log.info("shutting down");
        server.shutdown(Duration.ofSeconds(5));
        log.info("stopped");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        stop.countDown();
      }
    };
    boolean graceful = dev.spc.common.Signals.onTerminate(shutdown);
    if (!graceful) {
      Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("spc-shutdown").unstarted(shutdown));
    }
    writePortFile(server.port());
    log.info("coordinator listening", "address", bind + ":" + server.port(),
        "http", server.httpPort() < 0 ? "off" : (tlsCert == null ? "http://" : "https://") + bind
            + ":" + server.httpPort(),
        "tls", tlsCert == null ? "off" : clientCa == null ? "on" : "mutual",
        "auth", tokensFile == null && clientCa == null ? "off"
            : tokensFile == null ? "certificates" : clientCa == null ? "tokens"
            : "tokens+certificates",
        "storage", inMemory ? "in-memory" : dataDir.toAbsolutePath().toString(),
        "heartbeat_interval", dev.spc.common.Durations.format(heartbeatInterval),
        "heartbeat_timeout", dev.spc.common.Durations.format(heartbeatTimeout));
    if (insecure && !CoordinatorServer.isLoopback(bind) && (tlsCert == null || (tokensFile == null && clientCa == null))) {
      log.warn("listening without TLS and credentials (--insecure): anyone who reaches this port"
          + " can run jobs", "address", bind + ":" + server.port());
    }
    server.awaitTermination();
    stop.await(30, java.util.concurrent.TimeUnit.SECONDS); // let the shutdown finish its steps
    return ExitCodes.OK;
  }
}
