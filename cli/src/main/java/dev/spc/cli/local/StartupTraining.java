package dev.spc.cli.local;

import dev.spc.cli.Main;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.SpcClient;
import dev.spc.common.FileTrees;
import dev.spc.logging.LogSetup;
import dev.spc.server.CoordinatorServer;
import dev.spc.server.loop.CoordinatorConfig;
import dev.spc.worker.WorkerAgent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The workload {@code bin/spc} runs once per build under {@code -XX:AOTCacheOutput} (JDK 25+), so
 * that later JVMs of the same build (coordinators, agents, one-shot commands) load and link their
 * classes from the cache instead of finding, parsing and linking them again. (Its method profiles
 * are left out of the cache: see {@code bin/spc}.)
 * It touches what a start touches: a durable coordinator storing, serving, and then recovering
 * what it stored; an agent running jobs; the client; the command line's parsing and output; the
 * HTTP front. Not a user command; exits 0 when every step worked.
 */
public final class StartupTraining {
  private static final int JOBS = 20_000;

  private StartupTraining() {}

  public static void main(String[] args) throws Exception {
    LogSetup.configure(LogSetup.parseLevel("error"));
    Path dir = Files.createTempDirectory("spc-training");
    PrintStream out = System.out;
    try {
      System.setOut(new PrintStream(OutputStream.nullOutputStream(), true));
      round(dir, JOBS); // stores, serves and runs
      round(dir, JOBS / 4); // recovers what the first stored, then the same again
    } finally {
      System.setOut(out);
      FileTrees.delete(dir);
    }
  }

  private static void round(Path dir, int jobs) throws Exception {
    CoordinatorServer server = CoordinatorServer.newBuilder().config(CoordinatorConfig.defaults())
        .bind("127.0.0.1").port(0).httpPort(0).dataDir(dir.resolve("data")).build().start();
    String target = "127.0.0.1:" + server.port();
    WorkerAgent agent = WorkerAgent.newBuilder().coordinator(target).name("training").slots(64)
        .build().start();
    try (SpcClient spc = SpcClient.connect(target)) {
      List<JobSpec> specs = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        specs.add(JobSpec.of("noop"));
      }
      List<CompletableFuture<?>> done = new ArrayList<>();
      for (int n = 0; n < jobs; n += specs.size()) {
        for (JobId id : spc.submitAll(specs)) {
          done.add(spc.awaitAsync(id, Duration.ofMinutes(2)));
        }
      }
      for (int i = 0; i < 200; i++) {
        JobId id = spc.submit(JobSpec.of("echo", "training " + i));
        done.add(spc.awaitAsync(id, Duration.ofMinutes(2)));
      }
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
      command("submit", "--coordinator", target, "--wait", "echo", "--", "hello");
      command("jobs", "--coordinator", target);
      command("workers", "--coordinator", target);
      command("stats", "--coordinator", target);
      command("status", "--help");
      http(server.httpPort());
    } finally {
      agent.close();
      server.shutdown(Duration.ofSeconds(5));
    }
  }

  private static void command(String... args) {
    int code = Main.run(args);
    if (code != 0) {
      throw new IllegalStateException("spc " + String.join(" ", args) + " exited " + code);
    }
  }

  /** java.base's client, not java.net.http: the release's runtime leaves that module out. */
  private static void http(int port) throws IOException {
    for (String path : List.of("/metrics", "/v1/jobs?page_size=10")) {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path)
          .toURL().openConnection();
      try (InputStream body = c.getInputStream()) {
        body.readAllBytes();
        if (c.getResponseCode() != 200) {
          throw new IllegalStateException("GET " + path + " answered " + c.getResponseCode());
        }
      } finally {
        c.disconnect();
      }
    }
  }
}
