package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/spc}'s startup cache (JDK 25+ AOT cache) on a copy of the built command line: made
 * by a training run when missing or older than the build, then used by every start, silently.
 */
class StartupCacheIT {
  record Run(int code, String out, String err) {}

  @Test
  void aStaleCacheIsRemadeOnce_andTheNextStartUsesIt_quietly() throws Exception {
    assumeTrue(Runtime.version().feature() >= 25, "AOT caches need JDK 25; this JVM is "
        + Runtime.version());
    Path root = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")),
        "startup-cache-").toAbsolutePath();
    Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("..", "bin", "spc"), root.resolve("bin/spc"), StandardCopyOption.COPY_ATTRIBUTES);
    Path target = Files.createDirectories(root.resolve("cli/target/lib"));
    Path jar = target.getParent().resolve("spc-cli.jar");
    Files.copy(Path.of("..", "cli", "target", "spc-cli.jar"), jar, StandardCopyOption.COPY_ATTRIBUTES);
    try (Stream<Path> libs = Files.list(Path.of("..", "cli", "target", "lib"))) {
      for (Path lib : libs.toList()) {
        Files.copy(lib, target.resolve(lib.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    // A cache left by an earlier build: older than the jar, and not a cache at all.
    Path stale = target.getParent().resolve("spc-" + Runtime.version().toString()
        .replaceAll("[^A-Za-z0-9.-]", "_") + ".aot");
    Files.writeString(stale, "left by an older build");
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minusSeconds(3600)));
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));

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

    Run off = spc(root, Map.of("SPC_AOT", "off", "SPC_JAVA_OPTS", "-Xlog:aot=info"), "--version");
    assertEquals(0, off.code(), off.err());
    assertFalse((off.out() + off.err()).contains(stale.getFileName().toString()),
        "SPC_AOT=off starts without the cache: " + off.out() + off.err());
    deleteTree(root); // 60 MB of cache
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
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
