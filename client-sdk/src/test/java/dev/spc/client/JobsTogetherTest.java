package dev.spc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.server.loop.CoordinatorConfig;
import dev.spc.worker.Dependency;
import dev.spc.worker.Signal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Dependencies, signals, routing and limits through the SDK, the server and a real agent. */
class JobsTogetherTest {
  InProcessCluster cluster;
  SpcClient spc;

  @BeforeEach
  void start() throws Exception {
    cluster = new InProcessCluster(CoordinatorConfig.newBuilder()
        .heartbeatInterval(Duration.ofMillis(100)).heartbeatTimeout(Duration.ofSeconds(2)).build());
    spc = cluster.client;
  }

  @AfterEach
  void stop() throws Exception {
    cluster.close();
  }

  @Test
  void aBatchDag_handsEachHandlerItsDependenciesResults_andAFailureCancelsItsBranch() {
    cluster.agent("w", 4, b -> b.handler("join", ctx -> ctx.setResult(ctx.args().get(0) + "("
        + ctx.dependencies().stream().map(Dependency::resultText).collect(Collectors.joining(",")) + ")")));
    Batch batch = Batch.create();
    Batch.Node a = batch.add(JobSpec.of("join", "a"));
    Batch.Node b = batch.add(JobSpec.of("join", "b")).after(a);
    Batch.Node c = batch.add(JobSpec.of("join", "c")).after(a, b);
    Batch.Node bad = batch.add(JobSpec.of("fail"));
    Batch.Node cancelled = batch.add(JobSpec.of("join", "never")).after(bad);
    batch.add(JobSpec.newBuilder("join").args("anyway").onDependencyFailure(DependencyFailure.RUN).build())
        .after(bad, c);
    List<JobId> ids = spc.submit(batch);
    assertEquals(6, ids.size());
    assertEquals("c(a(),b(a()))", spc.await(ids.get(c.index()), Duration.ofSeconds(10)).resultText());
    JobStatus x = spc.await(ids.get(cancelled.index()), Duration.ofSeconds(10));
    assertEquals(Optional.of(DoneReason.CANCELLED), x.reason());
    assertTrue(x.error().startsWith("cancelled: dependency " + ids.get(bad.index()).value() + " ended CRASHED"),
        x.error());
    JobStatus monitor = spc.await(ids.get(5), Duration.ofSeconds(10));
    assertEquals("anyway(,c(a(),b(a())))", monitor.resultText(), "it ran, seeing the failure's empty result");
    assertEquals(List.of(ids.get(bad.index()), ids.get(c.index())),
        monitor.dependencies().stream().map(DependencyOutcome::id).toList());
    assertEquals(List.of(ids.get(a.index())), spc.status(ids.get(b.index())).spec().dependsOn());
    assertThrows(IllegalArgumentException.class, () -> Batch.create().add(JobSpec.of("x")).after(a));
  }

  @Test
  void aSignal_reachesTheHandler_withItsPayload_andAFinishedJobRefusesIt() throws Exception {
    cluster.agent("w", 1, b -> b.handler("listen", ctx -> {
      Signal s = ctx.awaitSignal(Duration.ofSeconds(20));
      ctx.setResult(s == null ? "none" : s.name() + ":" + s.payloadText());
    }));
    JobId id = spc.submit(JobSpec.of("listen"));
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (spc.status(id).state() != JobState.RUNNING && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals("w", spc.signal(id, "reload", "v2".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertEquals("reload:v2", spc.await(id, Duration.ofSeconds(10)).resultText());
    SpcException e = assertThrows(SpcException.class, () -> spc.signal(id, "reload", new byte[0]));
    assertTrue(e.getMessage().contains("only a running job can be signalled"), e.getMessage());
  }

  @Test
  void theSubmitsTraceContext_reachesTheHandler_fromTheSpecOrTheCallsHeader() throws Exception {
    String header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    String own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    cluster.agent("w", 2, b -> b.handler("trace", ctx -> ctx.setResult(ctx.traceparent().orElse("none")
        + "|" + ctx.tracestate())));
    io.grpc.Metadata md = new io.grpc.Metadata();
    md.put(io.grpc.Metadata.Key.of("traceparent", io.grpc.Metadata.ASCII_STRING_MARSHALLER), header);
    md.put(io.grpc.Metadata.Key.of("tracestate", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "vendor=1");
    try (SpcClient traced = SpcClient.newBuilder().channel(cluster.channel())
        .intercept(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md)).build()) {
      JobId fromHeader = traced.submit(JobSpec.of("trace"));
      assertEquals(header + "|vendor=1", traced.await(fromHeader, Duration.ofSeconds(10)).resultText());
      assertEquals(header, traced.status(fromHeader).spec().traceparent(), "kept with the job");
      JobId fromSpec = traced.submit(JobSpec.newBuilder("trace").traceContext(own, "").build());
      assertEquals(own + "|", traced.await(fromSpec, Duration.ofSeconds(10)).resultText(), "the spec's own wins");
    }
    assertEquals("none|", spc.await(spc.submit(JobSpec.of("trace")), Duration.ofSeconds(10)).resultText());
    SpcException bad = assertThrows(SpcException.class,
        () -> spc.submit(JobSpec.newBuilder("trace").traceContext("00-nope", "").build()));
    assertTrue(bad.getMessage().contains("job.traceparent must be a W3C traceparent"), bad.getMessage());
  }

  @Test
  void constraints_routeByAgentLabels_andLimitsReadBack() throws Exception {
    cluster.agent("eu", 2, b -> b.labels(Map.of("zone", "eu")));
    cluster.agent("us", 2, b -> b.labels(Map.of("zone", "us")));
    cluster.awaitWorkers(2);
    for (int i = 0; i < 4; i++) {
      JobStatus s = spc.await(spc.submit(JobSpec.newBuilder("noop").constraint("zone", "us").build()),
          Duration.ofSeconds(10));
      assertEquals("us", s.worker());
    }
    assertEquals(Map.of("zone", "eu"), spc.workers().stream().filter(w -> w.name().equals("eu"))
        .findFirst().orElseThrow().labels());
    AdminClient admin = spc.admin();
    assertEquals(3, admin.setConcurrencyLimit("db", 3).limit());
    assertEquals(5.0, admin.setRateLimit("noop", 5, 10).perSecond());
    Limits limits = admin.limits();
    assertEquals(List.of(new Limits.Concurrency("db", 3, 0, 0)), limits.concurrency());
    assertEquals("noop", limits.rates().get(0).type());
    admin.removeRateLimit("noop");
    assertEquals(List.of(), admin.limits().rates());
    SpcException bad = assertThrows(SpcException.class, () -> admin.setConcurrencyLimit("db", 0));
    assertTrue(bad.getMessage().contains("limit must be between 1 and 100000"), bad.getMessage());
  }
}
