package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spc.common.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/spc}'s own startup work, on a copy of the built command line: the startup cache (JDK
 * 25+ AOT cache), made by a training run when missing or older than the build and then used by
 * every start, silently; and the JDK it chose, kept between runs until that choice could change.
 */
class StartupCacheIT {
  record Run(int code, String out, String err) {}

  /** JVM flags that list the cache's training data (method profiles): one numbered line each. */
  static final String TRAINING_INFO =
      "-XX:AOTMode=on -XX:+UnlockDiagnosticVMOptions -XX:+AOTPrintTrainingInfo";
  static final Pattern TRAINING_ENTRY = Pattern.compile("(?m)^ +\\d+: 0x");

  @Test
  void aStaleCacheIsRemadeOnce_andTheNextStartUsesIt_quietly() throws Exception {
    assumeTrue(Runtime.version().feature() >= 25, "AOT caches need JDK 25; this JVM is "
        + Runtime.version());
    Path root = copyOfTheCommandLine();
    Path jar = root.resolve("cli/target/spc-cli.jar");
    Path target = root.resolve("cli/target/lib");
    // A cache left by an earlier build: older than the jar, and not a cache at all.
    Path stale = target.getParent().resolve("spc-" + Runtime.version().toString()
        .replaceAll("[^A-Za-z0-9.-]", "_") + ".aot");
    Files.writeString(stale, "left by an older build");
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minusSeconds(3600)));
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));
    Files.writeString(stale.resolveSibling(stale.getFileName() + ".4242.tmp"), "an interrupted training");

    Run first = spc(root, Map.of(), "--version");
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().startsWith("spc "), first.out());
    assertTrue(first.err().contains("preparing the startup cache"), first.err());
    assertTrue(Files.size(stale) > 1_000_000, "the stale cache was replaced: " + Files.size(stale));
    try (Stream<Path> left = Files.list(target.getParent())) {
      List<String> names = left.map(p -> p.getFileName().toString()).toList();
      assertFalse(names.stream().anyMatch(n -> n.endsWith(".tmp") || n.endsWith(".failed")
          || n.endsWith(".log") || n.endsWith(".config")), names.toString());
    }

    // AOTMode=on: the JVM refuses to start if it is given a cache it cannot use.
    Run second = spc(root, Map.of("SPC_JAVA_OPTS", "-XX:AOTMode=on"), "--version");
    assertEquals(0, second.code(), second.err());
    assertTrue(second.out().matches("spc \\S+\\s*"), "nothing but the version: " + second.out());
    assertEquals("", second.err(), "a start with the cache prints nothing of its own");
    Run logged = spc(root, Map.of("SPC_JAVA_OPTS", "-XX:AOTMode=on -Xlog:aot=info"), "--version");
    assertEquals(0, logged.code(), logged.err());
    assertTrue(logged.out().contains("Opened AOT cache " + stale), logged.out());
    // Classes only: the training run's method profiles would hold the JIT to the training's mix.
    Run training = spc(root, Map.of("SPC_JAVA_OPTS", TRAINING_INFO), "--version");
    assertEquals(0, training.code(), training.err());
    assertTrue(training.out().contains("Archived TrainingData Dictionary"), training.out());
    assertFalse(TRAINING_ENTRY.matcher(training.out()).find(), "no method profiles: " + training.out());

    Run off = spc(root, Map.of("SPC_AOT", "off", "SPC_JAVA_OPTS", "-Xlog:aot=info"), "--version");
    assertEquals(0, off.code(), off.err());
    assertFalse((off.out() + off.err()).contains(stale.getFileName().toString()),
        "SPC_AOT=off starts without the cache: " + off.out() + off.err());
    FileTrees.delete(root); // 60 MB of cache
  }

  @Test
  void theJdkChoiceIsKept_untilWhatItDependsOnChanges() throws Exception {
    Path root = copyOfTheCommandLine();
    Path choice = root.resolve(".spc-java");
    String real = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Run first = spc(root, Map.of("SPC_AOT", "off"), "--version");
    assertEquals(0, first.code(), first.err());
    assertEquals(real, Files.readAllLines(choice).get(1), "the JDK of JAVA_HOME, kept");

    // Another JAVA_HOME: chosen afresh (a JDK whose java hands over to this one).
    Path other = Files.createDirectories(root.resolve("other-jdk/bin"));
    Path java = Files.writeString(other.resolve("java"), "#!/bin/sh\nexec " + real + " \"$@\"\n");
    assertTrue(java.toFile().setExecutable(true));
    Run moved = spc(root, Map.of("SPC_AOT", "off", "JAVA_HOME", other.getParent().toString()),
        "--version");
    assertEquals(0, moved.code(), moved.err());
    assertEquals(java.toString(), Files.readAllLines(choice).get(1));

    // The chosen binary gone: chosen afresh (here the java on PATH), not run.
    Files.delete(java);
    Path onPath = Files.createDirectories(root.resolve("path"));
    Files.createSymbolicLink(onPath.resolve("java"), Path.of(real));
    Run gone = spc(root, Map.of("SPC_AOT", "off", "JAVA_HOME", other.getParent().toString(),
        "PATH", onPath + ":" + System.getenv("PATH")), "--version");
    assertEquals(0, gone.code(), gone.err());
    assertTrue(gone.out().startsWith("spc "), gone.out());
    assertEquals(onPath.resolve("java").toString(), Files.readAllLines(choice).get(1));
    FileTrees.delete(root);
  }

  /** bin/spc and the built command line, as a clone holds them after a build, somewhere new. */
  private static Path copyOfTheCommandLine() throws IOException {
    Path root = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")),
        "bin-spc-").toAbsolutePath();
    Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("..", "bin", "spc"), root.resolve("bin/spc"), StandardCopyOption.COPY_ATTRIBUTES);
    Path lib = Files.createDirectories(root.resolve("cli/target/lib"));
    Files.copy(Path.of("..", "cli", "target", "spc-cli.jar"), root.resolve("cli/target/spc-cli.jar"),
        StandardCopyOption.COPY_ATTRIBUTES);
    try (Stream<Path> libs = Files.list(Path.of("..", "cli", "target", "lib"))) {
      for (Path l : libs.toList()) {
        Files.copy(l, lib.resolve(l.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    return root;
  }

  private static Run spc(Path root, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/spc").toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(root, "out", ".txt");
    Path err = Files.createTempFile(root, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().remove("SPC_JAVA_OPTS");
    pb.environment().remove("SPC_AOT");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("bin/spc " + String.join(" ", args) + " did not finish in 5 minutes");
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
