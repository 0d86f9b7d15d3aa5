package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The command line against a real coordinator and agent: output and exit codes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliIT {
  Cluster c;

  @BeforeAll
  void start() throws Exception {
    c = new Cluster();
    c.worker("cli-worker", 2, "--plugins", pluginJar().getParent().toString());
  }

  @AfterAll
  void stop() {
    if (c != null) {
      c.close();
    }
  }

  /** A jar holding only a service file: the provider is discovered through --plugins. */
  static Path pluginJar() throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "plugins-");
    Path jar = dir.resolve("reverse.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("META-INF/services/dev.spc.worker.JobHandlerProvider"));
      out.write((ReverseProvider.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    return jar;
  }

  record Run(int code, String out, String err) {}

  Run spc(String... args) {
    Cli.Run r = Cli.run(c.processes.target(), args);
    return new Run(r.code(), r.out(), r.err());
  }

  @Test
  void submitWait_printsTheOutcome_andExitsZeroForDone() {
    Run r = spc("submit", "echo", "hi", "there", "--wait");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("DONE(DONE)") && r.out().contains("result=\"hi there\""), r.out());
  }

  @Test
  void submitWait_showsProgressAsItComes_andLogsPrintsTheRetainedLines() {
    Run r = spc("submit", "sleep", "0.6", "--wait");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("progress 100% slept 0.6s"), r.err());
    String id = r.out().split(" ", -1)[0];
    Run logs = spc("logs", id);
    assertEquals(0, logs.code(), logs.err());
    Run status = spc("status", id);
    assertTrue(status.out().contains("progress:  100% slept 0.6s"), status.out());
  }

  @Test
  void outputJson_oneObjectPerLine_jobsNewestFirstByLabel_andStats() {
    String older = spc("submit", "noop", "--label", "cli=json").out().trim();
    String newer = spc("submit", "noop", "--label", "cli=json", "--wait", "--output", "json").out()
        .lines().findFirst().orElseThrow();
    String newerId = com.google.gson.JsonParser.parseString(newer).getAsJsonObject().get("jobId").getAsString();
    assertEquals(0, spc("wait", older).code());
    Run listed = spc("jobs", "--newest", "--label", "cli=json", "--type", "noop", "--output", "json");
    assertEquals(0, listed.code(), listed.err());
    List<String> lines = listed.out().lines().toList();
    assertEquals(2, lines.size(), listed.out());
    List<String> ids = lines.stream().map(l -> com.google.gson.JsonParser.parseString(l).getAsJsonObject()
        .get("jobId").getAsString()).toList();
    assertEquals(List.of(newerId, older), ids, "newest first, nothing but JSON on stdout");
    Run stats = spc("stats", "--output", "json");
    assertTrue(com.google.gson.JsonParser.parseString(stats.out().strip()).getAsJsonObject()
        .has("submittedTotal"), stats.out());
    Run text = spc("stats");
    assertTrue(text.out().startsWith("jobs       pending"), text.out());
  }

  @Test
  void exitCodesSayHowTheJobEnded() {
    assertEquals(10, spc("submit", "fail", "boom", "--wait").code());
    assertEquals(11, spc("submit", "sleep", "5", "--max-seconds", "1", "--wait").code());
  }

  @Test
  void submitPrintsTheId_thenStatusAndWaitUseIt() {
    Run submitted = spc("submit", "noop");
    assertEquals(0, submitted.code());
    String id = submitted.out().trim();
    Run waited = spc("wait", id);
    assertEquals(0, waited.code(), waited.err());
    Run status = spc("status", id);
    assertTrue(status.out().contains("state:     DONE(DONE)"), status.out());
    assertTrue(status.out().contains("worker:    cli-worker"), status.out());
    assertTrue(spc("jobs").out().contains(id));
  }

  @Test
  void unknownAndMalformedIds() {
    Run unknown = spc("status", "abc-1");
    assertEquals(3, unknown.code());
    assertTrue(unknown.out().contains("UNKNOWN"), unknown.out());
    Run bad = spc("status", "not an id");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("job_id is malformed"), bad.err());
    assertEquals(3, spc("wait", "abc-1").code());
    assertEquals(3, spc("stop-worker", "nobody").code());
  }

  @Test
  void cancelAPendingJob() {
    String id = spc("submit", "no-such-type").out().trim();
    Run r = spc("cancel", id);
    assertEquals(0, r.code());
    assertTrue(r.out().contains("DONE(CANCELLED)"), r.out());
  }

  @Test
  void workersListsTheAgent_andPluginHandlersWork() {
    Run w = spc("workers");
    assertTrue(w.out().contains("cli-worker") && w.out().contains("reverse"), w.out());
    Run r = spc("submit", "reverse", "abc", "--wait");
    assertTrue(r.out().contains("result=\"cba\""), r.out());
  }

  @Test
  void anUnreachableCoordinator_isExitCodeOne() {
    Run r = spc("status", "abc-1", "--coordinator", "127.0.0.1:1");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("spc: "), r.err());
  }

  @Test
  void theStoreEngine_isOneByName_andADirectoryKeepsTheOneItHolds() throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "engine-");
    Path data = dir.resolve("data");
    new dev.spc.server.store.SqliteJobStore(data).close();
    Cli.Run unknown = Cli.alone("server", "--port", "0", "--data-dir", data.toString(), "--store-engine", "rocks");
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().contains("--store-engine 'rocks' is not a storage engine: use log or sqlite"),
        unknown.err());
    Cli.Run other = Cli.alone("server", "--port", "0", "--data-dir", data.toString(), "--store-engine", "log");
    assertEquals(1, other.code());
    assertTrue(other.err().contains("--store-engine log: the data directory " + data
        + " holds a sqlite store; start with --store-engine sqlite"), other.err());
    try (var s = Files.list(data)) {
      assertEquals(List.of("spc.db"), s.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("spc.db-")).toList(), "nothing of a log store was made");
    }
  }

  @Test
  void badUsage_isExitCodeTwo() {
    assertEquals(2, spc("submit").code());
    assertEquals(2, spc("submit", "noop", "--max-seconds", "-1").code());
  }
}
