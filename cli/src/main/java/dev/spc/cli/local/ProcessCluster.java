package dev.spc.cli.local;

import dev.spc.common.JavaLauncher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A coordinator and worker agents as separate JVM processes on this machine, each started with
 * this JVM's java and classpath and logging to its own file. Used by {@code spc demo} and by the
 * integration tests, which hurt the processes for real ({@link Node#kill9()},
 * {@link Node#freeze()}).
 */
public final class ProcessCluster implements AutoCloseable {
  private static final String MAIN = "dev.spc.cli.Main";

  /**
   * Small, quick-starting JVMs: several share a 2-core machine. (Class sharing is on by default;
   * an explicit {@code -Xshare} would keep a startup cache from {@code bin/spc} out.)
   */
  public static final List<String> SMALL_JVM =
      List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  private final Path dir;
  private final List<String> jvmFlags;
  private final List<Node> nodes = new ArrayList<>();
  private @Nullable Node coordinator;
  private int port;
  private String host = "127.0.0.1";

  /** Logs and port files go to {@code dir}, which must exist; JVMs are {@link #SMALL_JVM}. */
  public ProcessCluster(Path dir) {
    this(dir, SMALL_JVM);
  }

  /** Like {@link #ProcessCluster(Path)}, with these JVM flags for every process. */
  public ProcessCluster(Path dir, List<String> jvmFlags) {
    this.dir = dir;
    this.jvmFlags = List.copyOf(jvmFlags);
  }

  public Path dir() {
    return dir;
  }

  /**
   * Starts a coordinator on a free port and waits until it listens. It keeps its jobs in
   * {@code dir/data} unless {@code extraArgs} say otherwise ({@code --in-memory}, {@code --data-dir}).
   */
  public Node startCoordinator(List<String> extraArgs) throws IOException, InterruptedException {
    return startCoordinator(extraArgs, 0);
  }

  /**
   * Starts the coordinator again on the port it had (with the same data directory): what a
   * supervisor does after a crash. The agents find it where they left it.
   */
  public Node restartCoordinator(List<String> extraArgs) throws IOException, InterruptedException {
    return startCoordinator(extraArgs, port);
  }

  private Node startCoordinator(List<String> extraArgs, int onPort)
      throws IOException, InterruptedException {
    Path portFile = dir.resolve("coordinator.port");
    Files.deleteIfExists(portFile);
    List<String> args = new ArrayList<>(List.of("server", "--port", Integer.toString(onPort),
        "--port-file", portFile.toString()));
    if (extraArgs.stream().noneMatch(a -> a.equals("--in-memory") || a.startsWith("--data-dir"))) {
      args.add("--data-dir");
      args.add(dir.resolve("data").toString());
    }
    if (!extraArgs.contains("--http-port")) {
      args.add("--http-port"); // none unless asked for: test clusters share one host
      args.add("0");
    }
    args.addAll(extraArgs);
    int bind = extraArgs.indexOf("--bind");
    if (bind >= 0 && bind + 1 < extraArgs.size()) {
      String address = extraArgs.get(bind + 1);
      host = address.equals("0.0.0.0") ? "127.0.0.1" : address;
    }
    Node node = start("coordinator", args);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!Files.exists(portFile)) {
      if (!node.process.isAlive()) {
        throw new IOException("coordinator exited with " + node.process.exitValue() + ":\n"
            + node.output());
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("coordinator did not start within 60s:\n" + node.output());
      }
      Thread.sleep(20);
    }
    port = Integer.parseInt(Files.readString(portFile).trim());
    coordinator = node;
    return node;
  }

  /** {@code host:port} of the coordinator (127.0.0.1 unless it was started with --bind). */
  public String target() {
    return host + ":" + port;
  }

  public int port() {
    return port;
  }

  /** The coordinator; it must have been started. */
  public Node coordinator() {
    return java.util.Objects.requireNonNull(coordinator, "the coordinator was not started");
  }

  /** Every process started so far. */
  public List<Node> nodes() {
    synchronized (nodes) {
      return List.copyOf(nodes);
    }
  }

  /** Starts a worker agent connecting to the coordinator. Does not wait for it to register. */
  public Node startWorker(String name, List<String> extraArgs) throws IOException {
    return start(name, MAIN, workerArgs(name, extraArgs), List.of());
  }

  /** Starts a worker agent inside a network namespace ({@code ip netns exec}; needs root). */
  public Node startWorkerIn(String netns, String name, List<String> extraArgs) throws IOException {
    return startWorkerIn(netns, name, target(), extraArgs);
  }

  /**
   * Starts a worker agent inside a network namespace, finding the coordinator at
   * {@code coordinator} (an address reachable from inside).
   */
  public Node startWorkerIn(String netns, String name, String coordinator, List<String> extraArgs)
      throws IOException {
    return start(name, MAIN, workerArgs(name, coordinator, extraArgs),
        List.of("ip", "netns", "exec", netns));
  }

  private List<String> workerArgs(String name, List<String> extraArgs) {
    return workerArgs(name, target(), extraArgs);
  }

  private List<String> workerArgs(String name, String coordinator, List<String> extraArgs) {
    List<String> args = new ArrayList<>(List.of("worker", "--coordinator", coordinator, "--name", name));
    if (extraArgs.stream().noneMatch(a -> a.startsWith("--drain-timeout"))) {
      args.addAll(List.of("--drain-timeout", "2s")); // local clusters stop quickly
    }
    args.addAll(extraArgs);
    return args;
  }

  /** Starts any main class of this classpath as a member of the cluster. */
  public Node startJava(String name, String mainClass, List<String> args) throws IOException {
    return start(name, mainClass, args);
  }

  /** Starts any main class of this classpath inside a network namespace ({@code ip netns exec}). */
  public Node startJavaIn(String netns, String name, String mainClass, List<String> args)
      throws IOException {
    return start(name, mainClass, args, List.of("ip", "netns", "exec", netns));
  }

  private Node start(String name, List<String> args) throws IOException {
    return start(name, MAIN, args);
  }

  private Node start(String name, String mainClass, List<String> args) throws IOException {
    return start(name, mainClass, args, List.of());
  }

  private Node start(String name, String mainClass, List<String> args, List<String> prefix)
      throws IOException {
    Path log = dir.resolve(name + ".log");
    int n = 1;
    while (Files.exists(log)) {
      n++;
      log = dir.resolve(name + "." + n + ".log");
    }
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(JavaLauncher.command(jvmFlags, mainClass, args));
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Node node = new Node(name, pb.start(), log);
    synchronized (nodes) {
      nodes.add(node);
    }
    return node;
  }

  /**
   * SIGTERM to every agent, then to the coordinator; SIGKILL to any process still alive 10s
   * after its SIGTERM.
   */
  @Override
  public void close() {
    List<Node> all;
    synchronized (nodes) {
      all = new ArrayList<>(nodes);
    }
    all.remove(coordinator);
    stop(all);
    if (coordinator != null) {
      stop(List.of(coordinator));
    }
  }

  private static void stop(List<Node> all) {
    for (Node n : all) {
      n.cont();
      n.process.destroy();
    }
    for (Node n : all) {
      try {
        if (!n.process.waitFor(10, TimeUnit.SECONDS)) {
          n.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        n.process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** One process of the cluster. */
  public static final class Node {
    private final String name;
    private final Process process;
    private final Path log;

    Node(String name, Process process, Path log) {
      this.name = name;
      this.process = process;
      this.log = log;
    }

    public String name() {
      return name;
    }

    public Process process() {
      return process;
    }

    public long pid() {
      return process.pid();
    }

    public Path log() {
      return log;
    }

    /** Everything it printed so far. */
    public String output() {
      try {
        return Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }

    /** {@code kill -9}. */
    public void kill9() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }

    /** {@code kill -STOP}. */
    public void freeze() {
      signal("STOP");
    }

    /** {@code kill -CONT}. */
    public void cont() {
      signal("CONT");
    }

    /** {@code kill -TERM}. */
    public void terminate() {
      process.destroy();
    }

    private void signal(String sig) {
      if (!process.isAlive()) {
        return;
      }
      try {
        Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid()))
            .redirectErrorStream(true).start();
        kill.waitFor(5, TimeUnit.SECONDS);
      } catch (IOException e) {
        throw new IllegalStateException("cannot send SIG" + sig + " to " + name, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Waits for the process to exit; returns its exit code, or -1 if still running. */
    public int waitForExit(Duration timeout) throws InterruptedException {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }
  }
}
