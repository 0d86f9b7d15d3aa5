package dev.spc.server.http;

import dev.spc.proto.TlsFiles;
import dev.spc.server.auth.AuthInterceptor;
import dev.spc.server.auth.TokenFile;
import dev.spc.server.auth.Vouched;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A coordinator's HTTP port put together: an in-process gRPC server with the same services the
 * network server has, a channel to it, and the {@link HttpGateway} in front. Calls arriving over
 * HTTP carry an identity the gateway checked and vouched for; nothing else reaches the in-process
 * server.
 */
public final class HttpFront implements AutoCloseable {
  private final Server inProcess;
  private final ManagedChannel channel;
  private final HttpGateway gateway;

  private HttpFront(Server inProcess, ManagedChannel channel, HttpGateway gateway) {
    this.inProcess = inProcess;
    this.channel = channel;
    this.gateway = gateway;
  }

  /**
   * Starts the HTTP port on {@code bind:port} (HTTPS when {@code tls}), in front of
   * {@code services}.
   */
  public static HttpFront start(String bind, int port, @Nullable TlsFiles tls,
      @Nullable TokenFile tokens, List<ServerServiceDefinition> services, int maxBodyBytes)
      throws IOException {
    return start(bind, port, tls, tokens, services, null, null, maxBodyBytes);
  }

  /**
   * Like {@link #start(String, int, TlsFiles, TokenFile, List, int)}, with {@code fallback}
   * answering the methods no service here has (a standby refuses them, naming the leader) and
   * {@code tracer} seeing every call (the gRPC metrics, so HTTP calls count with the others).
   */
  public static HttpFront start(String bind, int port, @Nullable TlsFiles tls,
      @Nullable TokenFile tokens, List<ServerServiceDefinition> services,
      io.grpc.@Nullable HandlerRegistry fallback, io.grpc.ServerStreamTracer.@Nullable Factory tracer,
      int maxBodyBytes) throws IOException {
    String name = "spc-http-" + java.util.UUID.randomUUID();
    boolean certificates = tls != null && tls.mutual();
    AuthInterceptor auth = tokens != null || certificates ? new AuthInterceptor(tokens, certificates) : null;
    Vouched vouched = new Vouched();
    InProcessServerBuilder sb = InProcessServerBuilder.forName(name).directExecutor()
        .maxInboundMessageSize(maxBodyBytes);
    for (ServerServiceDefinition s : services) {
      sb.addService(auth == null ? s : ServerInterceptors.intercept(s, vouched));
    }
    if (fallback != null) {
      sb.fallbackHandlerRegistry(fallback);
    }
    if (tracer != null) {
      sb.addStreamTracerFactory(tracer);
    }
    Server server = sb.build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor()
        .maxInboundMessageSize(Integer.MAX_VALUE).build();
    try {
      HttpGateway gateway = new HttpGateway(new HttpGateway.Options(bind, port,
          tls == null ? null : tls.sslContext(), certificates, auth, maxBodyBytes), channel, vouched);
      return new HttpFront(server, channel, gateway.start());
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      channel.shutdownNow();
      server.shutdownNow();
      throw e instanceof IOException io ? io : new IOException("HTTP port: " + e.getMessage(), e);
    }
  }

  public HttpGateway gateway() {
    return gateway;
  }

  public int port() {
    return gateway.port();
  }

  @Override
  public void close() {
    gateway.close();
    channel.shutdownNow();
    inProcess.shutdownNow();
    try {
      inProcess.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
