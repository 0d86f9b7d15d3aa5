package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The release tarball ({@code release/}, built by the same {@code mvn verify}) unpacked into an
 * empty directory and run with a {@code PATH} that holds no JDK and no Maven (only bash and the
 * two tools the launcher uses): a coordinator, an agent and a job, on the runtime it ships.
 */
class ReleaseIT {
  static final Duration PATIENCE = Cluster.PATIENCE;
  final List<Process> started = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : started.reversed()) {
      p.destroy(); // SIGTERM: the agent drains, the coordinator stores and leaves
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  static Path tarball() throws IOException {
    try (var files = Files.list(Path.of("..", "release", "target"))) {
      return files.filter(f -> f.getFileName().toString().matches("spc-.*-linux-x64\\.tar\\.gz"))
          .findFirst().orElseThrow(() -> new AssertionError("no release tarball in release/target"));
    }
  }

  Process run(Path dir, Path bin, Path log, String... args) throws IOException {
    return run(dir, bin, log, Map.of(), args);
  }

  Process run(Path dir, Path bin, Path log, Map<String, String> env, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(bin.resolve("spc").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", dir.resolve("path").toString());
    pb.environment().put("HOME", dir.toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  @Test
  void theTarball_runsACoordinatorAnAgentAndAJob_withNoJdkOnThePath() throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "release-")
        .toAbsolutePath();
    Process tar = new ProcessBuilder("tar", "-xzf", tarball().toAbsolutePath().toString(), "-C",
        dir.toString()).inheritIO().start();
    assertEquals(0, tar.waitFor());
    Path home;
    try (var entries = Files.list(dir)) {
      home = entries.filter(Files::isDirectory).findFirst().orElseThrow();
    }
    for (String f : List.of("bin/spc", "runtime/bin/java", "Containerfile", "README.md",
        "systemd/spc-coordinator.service", "systemd/spc-worker.service")) {
      assertTrue(Files.exists(home.resolve(f)), f + " is in the release");
    }
    assertFalse(Files.exists(home.resolve("runtime/bin/javac")), "a runtime, not a JDK");
    String workerUnit = Files.readString(home.resolve("systemd/spc-worker.service"));
    assertTrue(workerUnit.contains("Restart=on-failure") && workerUnit.contains("RestartPreventExitStatus=2 3 5"),
        workerUnit);

    verifyUnits(dir, home);

    // A PATH with bash and what the launcher calls, and nothing else: no java, no mvn.
    Path path = Files.createDirectories(dir.resolve("path"));
    for (String tool : List.of("bash", "dirname", "readlink")) {
      Path real = List.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)).stream()
          .filter(Files::isExecutable).findFirst().orElseThrow();
      Files.createSymbolicLink(path.resolve(tool), real);
    }
    Path bin = home.resolve("bin");
    Path portFile = dir.resolve("port");
    Process server = run(dir, bin, dir.resolve("coordinator.log"), "server", "--port", "0",
        "--port-file", portFile.toString(), "--data-dir", dir.resolve("data").toString(),
        "--http-port", "0");
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!Files.exists(portFile) || Files.readString(portFile).isBlank()) {
      assertTrue(server.isAlive(), () -> "the coordinator exited: " + read(dir.resolve("coordinator.log")));
      assertTrue(System.nanoTime() < deadline, "the coordinator did not start");
      Thread.sleep(50);
    }
    String java = server.toHandle().descendants().map(h -> h.info().command().orElse(""))
        .filter(c -> !c.isEmpty()).findFirst()
        .orElseGet(() -> server.toHandle().info().command().orElse(""));
    assertTrue(java.startsWith(home.resolve("runtime").toString()), "runs on the shipped runtime: " + java);
    String target = "127.0.0.1:" + Files.readString(portFile).strip();
    run(dir, bin, dir.resolve("worker.log"), "worker", "--coordinator", target, "--name", "released");
    Path submitLog = dir.resolve("submit.log");
    Process submit = run(dir, bin, submitLog, "submit", "--coordinator", target, "echo", "from",
        "a", "release", "--wait");
    assertTrue(submit.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "submit --wait returned");
    String out = read(submitLog);
    assertEquals(0, submit.exitValue(), out + "\nworker: " + read(dir.resolve("worker.log")));
    assertTrue(out.contains("DONE") && out.contains("from a release"), out);

    // A runtime of JDK 25+ comes with the startup cache, made where the release was built and
    // used where it is unpacked (AOTMode=on: the JVM refuses to start if it cannot use it).
    String runtime = Files.readString(home.resolve("runtime/release"));
    Matcher v = Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(runtime);
    assertTrue(v.find(), runtime);
    if (Integer.parseInt(v.group(1)) >= 25) {
      assertTrue(Files.size(home.resolve("lib/spc.aot")) > 1_000_000, "the release has a startup cache");
      Path versionLog = dir.resolve("version.log");
      Process version = run(dir, bin, versionLog,
          Map.of("SPC_JAVA_OPTS", "-XX:AOTMode=on -Xlog:aot=info"), "--version");
      assertTrue(version.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS));
      String v25 = read(versionLog);
      assertEquals(0, version.exitValue(), v25);
      assertTrue(v25.contains("Opened AOT cache " + home.resolve("lib/spc.aot")), v25);
      Path trainingLog = dir.resolve("training.log");
      Process training = run(dir, bin, trainingLog, Map.of("SPC_JAVA_OPTS", StartupCacheIT.TRAINING_INFO),
          "--version");
      assertTrue(training.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS));
      String info = read(trainingLog);
      assertTrue(info.contains("Archived TrainingData Dictionary"), info);
      assertFalse(StartupCacheIT.TRAINING_ENTRY.matcher(info).find(), "classes only, no method profiles");
    }
  }

  /** systemd's own check of the units (where systemd-analyze exists), pointed at the unpacked release. */
  static void verifyUnits(Path dir, Path home) throws Exception {
    Path analyze = Path.of("/usr/bin/systemd-analyze");
    if (!Files.isExecutable(analyze)) {
      System.err.println("ReleaseIT: no systemd-analyze here; the units' syntax is not checked");
      return;
    }
    Path units = Files.createDirectories(dir.resolve("units"));
    for (String u : List.of("spc-coordinator.service", "spc-worker.service")) {
      Files.writeString(units.resolve(u), Files.readString(home.resolve("systemd").resolve(u))
          .replace("/opt/spc", home.toString()));
    }
    Process p = new ProcessBuilder(analyze.toString(), "verify", units.resolve("spc-coordinator.service").toString(),
        units.resolve("spc-worker.service").toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify returned");
    assertEquals(0, p.exitValue(), out);
    assertFalse(out.contains("Unknown key") || out.contains("Failed to parse"), out);
  }

  static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }
}
