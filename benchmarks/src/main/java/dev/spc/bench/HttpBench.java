package dev.spc.bench;

import com.sun.net.httpserver.HttpServer;
import dev.spc.proto.GetJobRequest;
import dev.spc.proto.JobServiceGrpc;
import dev.spc.proto.JobSpec;
import dev.spc.proto.SubmitJobRequest;
import dev.spc.server.CoordinatorServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The HTTP port's numbers (docs/http.md), all from one run: GetJob over gRPC and over the HTTP/JSON
 * gateway of the same coordinator; and the JDK's HTTP server (on virtual threads, what the gateway
 * uses) against Jetty 12 serving the same fixed JSON answer. {@code THREADS} callers each send one
 * request at a time over keep-alive connections for {@code SECONDS}. Usage:
 * {@code HttpBench [SECONDS] [THREADS]}.
 */
public final class HttpBench {
  private HttpBench() {}

  interface Call {
    void run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    CoordinatorServer coordinator = CoordinatorServer.newBuilder().port(0).httpPort(0).build().start();
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", coordinator.port()).usePlaintext().build();
    var stub = JobServiceGrpc.newBlockingStub(ch);
    String id = stub.submitJob(SubmitJobRequest.newBuilder()
        .setJob(JobSpec.newBuilder().setType("noop").putLabels("team", "bench")).build()).getJobId();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    HttpRequest getJob = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + coordinator.httpPort()
        + "/v1/jobs/" + id)).build();
    String body = http.send(getJob, HttpResponse.BodyHandlers.ofString()).body();
    byte[] fixed = body.getBytes(StandardCharsets.UTF_8);

    HttpServer jdk = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
    jdk.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    jdk.createContext("/", ex -> {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, fixed.length);
      try (var out = ex.getResponseBody()) {
        out.write(fixed);
      }
    });
    jdk.start();
    Server jetty = new Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    jetty.addConnector(connector);
    jetty.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        response.getHeaders().put("Content-Type", "application/json");
        response.write(true, java.nio.ByteBuffer.wrap(fixed), callback);
        return true;
      }
    });
    jetty.start();
    HttpRequest toJdk = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + jdk.getAddress().getPort() + "/v1/jobs/" + id)).build();
    HttpRequest toJetty = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + connector.getLocalPort() + "/v1/jobs/" + id)).build();

    System.out.printf(Locale.ROOT, "%d callers, %d s each, answer of %d bytes%n", threads, seconds,
        fixed.length);
    for (int round = 0; round < 2; round++) { // the first round warms up
      boolean report = round == 1;
      double grpc = run(seconds, threads, () -> stub.getJob(GetJobRequest.newBuilder().setJobId(id).build()));
      double gateway = run(seconds, threads, () -> check(http.send(getJob, HttpResponse.BodyHandlers.ofByteArray())));
      double jdkRaw = run(seconds, threads, () -> check(http.send(toJdk, HttpResponse.BodyHandlers.ofByteArray())));
      double jettyRaw = run(seconds, threads, () -> check(http.send(toJetty, HttpResponse.BodyHandlers.ofByteArray())));
      if (report) {
        System.out.printf(Locale.ROOT, "%-52s %,12.0f%n", "GetJob over gRPC (calls/s)", grpc);
        System.out.printf(Locale.ROOT, "%-52s %,12.0f  %.2f of gRPC%n", "GET /v1/jobs/{id} via the gateway (calls/s)", gateway, gateway / grpc);
        System.out.printf(Locale.ROOT, "%-52s %,12.0f%n", "fixed answer, JDK HttpServer + virtual threads", jdkRaw);
        System.out.printf(Locale.ROOT, "%-52s %,12.0f  %.2f of the JDK server%n", "fixed answer, Jetty 12 core", jettyRaw, jettyRaw / jdkRaw);
      }
    }
    jetty.stop();
    jdk.stop(0);
    ch.shutdownNow();
    coordinator.close();
    System.exit(0);
  }

  private static void check(HttpResponse<?> r) {
    if (r.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + r.statusCode());
    }
  }

  private static double run(int seconds, int threads, Call call) throws InterruptedException {
    LongAdder done = new LongAdder();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    Thread[] ts = new Thread[threads];
    for (int i = 0; i < threads; i++) {
      ts[i] = Thread.ofPlatform().start(() -> {
        try {
          while (System.nanoTime() < end) {
            call.run();
            done.increment();
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }
    for (Thread t : ts) {
      t.join();
    }
    return done.sum() / (double) seconds;
  }
}
