package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.Main;
import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.SpcClient;
import dev.spc.client.SpcException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Tokens and roles against a real coordinator started with --tokens-file, tokens made by
 * {@code spc token create}: who may do what, and what is refused with which status.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthIT {
  Path tokens;
  String admin;
  String submitter;
  String reader;
  String gpuWorker;
  Cluster c;

  /** {@code spc token create ...}; returns the token it printed. */
  static String createToken(Path file, String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      List<String> all = new java.util.ArrayList<>(List.of("token", "create", "--tokens-file", file.toString()));
      all.addAll(List.of(args));
      assertEquals(0, Main.run(all.toArray(String[]::new)));
      return out.toString(StandardCharsets.UTF_8).strip();
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @BeforeAll
  void start() throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "auth-");
    tokens = dir.resolve("tokens");
    admin = createToken(tokens, "--role", "admin", "--label", "the admin");
    submitter = createToken(tokens, "--role", "submitter", "--label", "nightly");
    reader = createToken(tokens, "--role", "reader");
    gpuWorker = createToken(tokens, "--role", "worker", "--names", "gpu-*");
    c = new Cluster(List.of("--heartbeat-interval", "200ms", "--heartbeat-timeout", "1s",
        "--tokens-file", tokens.toString()), ProcessCluster.SMALL_JVM, admin);
  }

  @AfterAll
  void stop() {
    if (c != null) {
      c.close();
    }
  }

  SpcClient client(String token) {
    return SpcClient.newBuilder().target(c.processes.target()).token(token)
        .submitRetryTimeout(Duration.ZERO).build();
  }

  @Test
  void theTokensFileHoldsHashes_neverTheTokens() throws Exception {
    String file = Files.readString(tokens);
    for (String t : List.of(admin, submitter, reader, gpuWorker)) {
      assertTrue(t.startsWith("spc_") && t.length() > 40, t);
      assertFalse(file.contains(t), "a token in the file");
    }
    assertTrue(file.contains("role=worker exec=no names=gpu-*"), file);
  }

  @Test
  void noTokenOrAnUnknownOne_isUnauthenticated() {
    try (SpcClient none = client(null); SpcClient wrong = client("spc_not-a-token")) {
      SpcException e = assertThrows(SpcException.PermissionDenied.class, () -> none.submit(JobSpec.of("noop")));
      assertEquals(Status.Code.UNAUTHENTICATED, e.code());
      assertTrue(e.getMessage().contains("authorization: Bearer"), e.getMessage());
      SpcException w = assertThrows(SpcException.PermissionDenied.class, () -> wrong.stats());
      assertEquals(Status.Code.UNAUTHENTICATED, w.code());
      assertFalse(w.getMessage().contains("spc_not-a-token"), "never echoes a secret: " + w.getMessage());
    }
  }

  @Test
  void aReaderSubmitting_andASubmitterStoppingAWorker_arePermissionDenied() {
    try (SpcClient r = client(reader); SpcClient s = client(submitter)) {
      r.list(null, 10, null); // a reader may read
      SpcException e = assertThrows(SpcException.PermissionDenied.class, () -> r.submit(JobSpec.of("noop")));
      assertEquals(Status.Code.PERMISSION_DENIED, e.code());
      assertTrue(e.getMessage().contains("role 'reader'") && e.getMessage().contains("SubmitJob"), e.getMessage());
      JobId id = s.submit(JobSpec.of("nobody-runs-this"));
      assertEquals(dev.spc.client.JobState.PENDING, s.status(id).state());
      SpcException stop = assertThrows(SpcException.PermissionDenied.class, () -> s.stopWorker("any"));
      assertTrue(stop.getMessage().contains("StopWorker"), stop.getMessage());
    }
  }

  @Test
  void anExecSubmitWithoutThePermission_isDenied_andCreatesNothing() {
    try (SpcClient s = client(submitter)) {
      long before = c.client.stats().submittedTotal();
      SpcException e = assertThrows(SpcException.PermissionDenied.class, () -> s.submitAll(List.of(
          JobSpec.of("noop"), JobSpec.newBuilder("exec").args("true").build())));
      assertTrue(e.getMessage().contains("exec"), e.getMessage());
      assertEquals(before, c.client.stats().submittedTotal(), "nothing created");
      // Single submits travel together (SubmitEachJob): the exec job alone is refused.
      List<java.util.concurrent.CompletableFuture<JobId>> singles = new java.util.ArrayList<>();
      for (int i = 0; i < 50; i++) {
        singles.add(s.submitAsync(i == 25 ? JobSpec.newBuilder("exec").args("true").build() : JobSpec.of("noop")));
      }
      for (int i = 0; i < singles.size(); i++) {
        var f = singles.get(i);
        if (i == 25) {
          var denied = assertThrows(java.util.concurrent.CompletionException.class, f::join);
          assertTrue(denied.getCause() instanceof SpcException.PermissionDenied, String.valueOf(denied.getCause()));
        } else {
          f.join();
        }
      }
      assertEquals(before + 49, c.client.stats().submittedTotal(), "the others created");
    }
    String execToken = createToken(tokens, "--role", "submitter", "--exec");
    try (SpcClient x = client(execToken)) {
      JobId id = c.pollFor("the new token is picked up", () -> {
        try {
          return x.submit(JobSpec.newBuilder("exec").args("true").build());
        } catch (SpcException.PermissionDenied denied) {
          return null;
        }
      }, v -> v != null);
      c.client.cancel(id);
    }
  }

  @Test
  void aWorkerTokenForGpuStar_registersGpu1_butNotCpu1() throws Exception {
    ProcessCluster.Node cpu = c.processes.startWorker("cpu-1", List.of("--token", gpuWorker));
    assertEquals(2, cpu.waitForExit(Cluster.PATIENCE), cpu.output());
    assertTrue(cpu.output().contains("may not register a worker named 'cpu-1'"), cpu.output());
    ProcessCluster.Node submitterAgent = c.processes.startWorker("gpu-9", List.of("--token", submitter));
    assertEquals(2, submitterAgent.waitForExit(Cluster.PATIENCE), submitterAgent.output());
    ProcessCluster.Node gpu = c.worker("gpu-1", 1, "--token", gpuWorker);
    assertTrue(gpu.process().isAlive());
  }

  @Test
  void revokingAToken_takesEffectWithoutARestart_whileAnAgentStaysConnected() throws Exception {
    String doomed = createToken(tokens, "--role", "reader", "--label", "doomed");
    ProcessCluster.Node agent = c.worker("gpu-stays", 1, "--token", gpuWorker);
    try (SpcClient d = client(doomed)) {
      c.poll("the new token is accepted", () -> {
        try {
          d.stats();
          return true;
        } catch (SpcException.PermissionDenied e) {
          return false;
        }
      });
      List<String> kept = Files.readAllLines(tokens).stream().filter(l -> !l.contains("label=doomed")).toList();
      Path tmp = tokens.resolveSibling("tokens.tmp");
      Files.write(tmp, kept);
      Files.move(tmp, tokens, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      c.poll("the revoked token is refused", () -> {
        try {
          d.stats();
          return false;
        } catch (SpcException.PermissionDenied e) {
          return e.code() == Status.Code.UNAUTHENTICATED;
        }
      });
    }
    assertTrue(c.client.workers().stream().anyMatch(w -> w.name().equals("gpu-stays")));
    assertFalse(agent.output().contains("reconnect"), "the agent's stream stayed up:\n" + agent.output());
  }

  @Test
  void healthChecksStayOpen() throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forTarget(c.processes.target()).usePlaintext().build();
    try {
      HealthCheckResponse r = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
      assertEquals(HealthCheckResponse.ServingStatus.SERVING, r.getStatus());
    } finally {
      ch.shutdownNow();
    }
  }
}
