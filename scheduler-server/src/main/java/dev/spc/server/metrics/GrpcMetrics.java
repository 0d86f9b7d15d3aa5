package dev.spc.server.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * gRPC server metrics: calls by method and status code when they end, and the duration of unary
 * calls (streams last as long as an agent or a watcher stays, so their durations say nothing).
 */
public final class GrpcMetrics implements ServerInterceptor {
  private final Counter calls;
  private final Histogram seconds;
  private final ConcurrentHashMap<String, CounterDataPoint[]> byMethod = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, DistributionDataPoint> durations = new ConcurrentHashMap<>();

  GrpcMetrics(PrometheusRegistry registry) {
    calls = Counter.builder().name("spc_grpc_server_calls_total")
        .help("gRPC calls ended, by method and status code (HTTP API calls included: they go"
            + " through the same services).").labelNames("method", "code").withoutExemplars().register(registry);
    seconds = Histogram.builder().name("spc_grpc_server_call_seconds")
        .help("Duration of unary gRPC calls, by method.").labelNames("method").classicOnly().withoutExemplars()
        .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30)
        .register(registry);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    boolean unary = call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY;
    long start = System.nanoTime();
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        CounterDataPoint[] codes = byMethod.computeIfAbsent(method,
            m -> new CounterDataPoint[Status.Code.values().length]);
        int i = status.getCode().ordinal();
        CounterDataPoint p = codes[i];
        if (p == null) {
          p = calls.labelValues(method, status.getCode().name());
          codes[i] = p;
        }
        p.inc();
        if (unary) {
          durations.computeIfAbsent(method, seconds::labelValues)
              .observe((System.nanoTime() - start) / 1e9);
        }
        super.close(status, trailers);
      }
    }, headers);
  }
}
