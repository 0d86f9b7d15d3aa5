package dev.spc.cli;

import com.sun.net.httpserver.HttpServer;
import dev.spc.worker.AgentStats;
import dev.spc.worker.WorkerAgent;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * {@code bin/spc worker --metrics-port N}: the agent's Prometheus metrics at {@code /metrics}
 * (docs/metrics.md): slots, busy and stuck slots, jobs by outcome, reconnects, self-fencings,
 * unconfirmed results, and the JVM. One {@link WorkerAgent#stats()} per scrape.
 */
final class AgentMetricsServer implements AutoCloseable {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final WorkerAgent agent;
  private final HttpServer server;
  private @Nullable AgentStats last;
  private long lastAt;

  AgentMetricsServer(WorkerAgent agent, String bind, int port) throws IOException {
    this.agent = agent;
    JvmMetrics.builder().register(registry);
    gauge("spc_agent_slots", "Jobs this agent runs at once.", AgentStats::slots);
    gauge("spc_agent_slots_busy", "Slots holding a job.", AgentStats::busy);
    gauge("spc_agent_slots_stuck", "Slots whose job would not stop.", AgentStats::stuck);
    gauge("spc_agent_results_unconfirmed", "Results the coordinator has not confirmed storing.",
        AgentStats::unconfirmedResults);
    counter("spc_agent_reconnects_total", "New streams to the coordinator after a lost one.",
        AgentStats::reconnects);
    counter("spc_agent_self_fencings_total", "Times the agent stopped its jobs itself, cut off"
        + " from the coordinator.", AgentStats::selfFencings);
    CounterWithCallback.builder().name("spc_agent_jobs_total").help("Jobs ended on this agent, by outcome.")
        .labelNames("outcome").callback(cb -> {
          AgentStats s = stats();
          if (s != null) {
            s.finished().forEach((outcome, n) -> cb.call(n, outcome));
          }
        }).register(registry);
    server = HttpServer.create(new InetSocketAddress(bind, port), 16);
    server.setExecutor(Executors.newSingleThreadExecutor(
        Thread.ofPlatform().name("spc-metrics").daemon(true).factory()));
    server.createContext("/metrics", ex -> {
      try (ex) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
        writer.write(body, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.UNDERSCORE_ESCAPING);
        ex.getResponseHeaders().set("Content-Type", writer.getContentType());
        ex.sendResponseHeaders(200, body.size());
        try (OutputStream out = ex.getResponseBody()) {
          body.writeTo(out);
        }
      }
    });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** One snapshot per scrape: the first metric asks the agent, the others reuse it. */
  private synchronized @Nullable AgentStats stats() {
    long now = System.nanoTime();
    if (last == null || now - lastAt > 500_000_000L) {
      try {
        last = agent.stats();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        last = null;
      } catch (RuntimeException e) {
        last = null; // the agent is leaving
      }
      lastAt = now;
    }
    return last;
  }

  private void gauge(String name, String help, ToDoubleFunction<AgentStats> f) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> {
      AgentStats s = stats();
      if (s != null) {
        cb.call(f.applyAsDouble(s));
      }
    }).register(registry);
  }

  private void counter(String name, String help, ToDoubleFunction<AgentStats> f) {
    CounterWithCallback.builder().name(name).help(help).callback(cb -> {
      AgentStats s = stats();
      if (s != null) {
        cb.call(f.applyAsDouble(s));
      }
    }).register(registry);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
