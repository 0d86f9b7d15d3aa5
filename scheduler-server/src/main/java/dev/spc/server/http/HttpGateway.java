package dev.spc.server.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.spc.common.Log;
import dev.spc.server.auth.AuthInterceptor;
import dev.spc.server.auth.Identity;
import dev.spc.server.auth.Vouched;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * The coordinator's HTTP port: the HTTP/JSON API ({@link Routes}), its OpenAPI document at
 * {@code /v1/openapi.json}, the web dashboard ({@link Dashboard}, at {@code /}), and whatever else
 * is mounted (metrics at {@code /metrics}). Every API
 * call goes through the coordinator's own gRPC services over an in-process channel, so it meets
 * the same checks, roles, limits and errors as a gRPC call; the caller's bearer token (or, under
 * mutual TLS, client certificate) is checked here with the same {@link AuthInterceptor#check} and
 * the identity vouched for ({@link Vouched}). gRPC codes become the HTTP statuses Google's APIs
 * use, with a JSON body {@code {"error": {"code", "status", "message"}}}.
 *
 * <p>Served by the JDK's own HTTP server on virtual threads: one per request, so a long
 * {@code :wait} or an event stream holds no platform thread. See {@code docs/http.md}.
 */
public final class HttpGateway implements AutoCloseable {
  private static final Log log = Log.get(HttpGateway.class);
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer();
  private static final JsonFormat.Printer COMPACT = JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  /**
   * Something else served on the port, at a fixed path; when the coordinator checks
   * credentials, only for callers whose role may read its stats.
   */
  public interface Page {
    /** Writes the answer; returns its content type. */
    String write(OutputStream out) throws IOException;
  }

  /**
   * @param bind the address to listen on
   * @param port the port, 0 for any free one
   * @param ssl HTTPS with this context, or null for plain HTTP
   * @param clientAuth whether a client certificate is required (mutual TLS)
   * @param auth who may call what, or null when the coordinator checks no credentials
   * @param maxBodyBytes the largest request body taken
   */
  public record Options(String bind, int port, @Nullable SSLContext ssl, boolean clientAuth,
      @Nullable AuthInterceptor auth, int maxBodyBytes) {}

  private static final List<Metadata.Key<String>> TRACE_HEADERS = List.of(
      Metadata.Key.of(dev.spc.common.TraceContext.TRACEPARENT, Metadata.ASCII_STRING_MARSHALLER),
      Metadata.Key.of(dev.spc.common.TraceContext.TRACESTATE, Metadata.ASCII_STRING_MARSHALLER));

  /** The caller when the coordinator checks no credentials: may do anything. */
  private static final Identity ANYONE = new Identity("anyone", dev.spc.server.auth.Role.ADMIN, true, null);

  private final Options options;
  private final Channel channel;
  private final Vouched vouched;
  private final Map<String, Page> pages = new java.util.concurrent.ConcurrentHashMap<>();
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final byte[] openApi;

  /**
   * @param channel the coordinator's in-process channel
   * @param vouched the interceptor on the in-process server that takes this gateway's identities
   */
  public HttpGateway(Options options, Channel channel, Vouched vouched) throws IOException {
    this.options = options;
    this.channel = channel;
    this.vouched = vouched;
    this.openApi = OpenApi.document().getBytes(StandardCharsets.UTF_8);
    InetSocketAddress address = new InetSocketAddress(options.bind(), options.port());
    SSLContext ssl = options.ssl();
    if (ssl == null) {
      server = HttpServer.create(address, 256);
    } else {
      HttpsServer s = HttpsServer.create(address, 256);
      s.setHttpsConfigurator(new HttpsConfigurator(ssl) {
        @Override
        public void configure(HttpsParameters params) {
          var p = getSSLContext().getDefaultSSLParameters();
          p.setNeedClientAuth(options.clientAuth());
          params.setSSLParameters(p);
        }
      });
      server = s;
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /** Serves {@code page} at {@code path} (for example {@code /metrics}). */
  public HttpGateway mount(String path, Page page) {
    pages.put(path, page);
    return this;
  }

  public HttpGateway start() {
    server.start();
    return this;
  }

  /** The port listened on (the real one when asked for 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  public boolean https() {
    return options.ssl() != null;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      String verb = ex.getRequestMethod();
      boolean get = verb.equals("GET") || verb.equals("HEAD");
      Dashboard.Asset asset = get ? Dashboard.asset(path) : null;
      if (asset != null) {
        Dashboard.headers(ex.getResponseHeaders(), asset);
        send(ex, 200, asset.type(), asset.body());
        return;
      }
      Page page = pages.get(path);
      if (page != null && get) {
        if (reader(ex) != null) {
          servePage(ex, page);
        }
        return;
      }
      if (path.equals("/v1/session") && get) {
        Identity who = reader(ex);
        if (who != null) {
          send(ex, 200, "application/json", Dashboard.session(options.auth() != null, who));
        }
        return;
      }
      if (path.equals("/v1/openapi.json") && verb.equals("GET")) {
        send(ex, 200, "application/json", openApi);
        return;
      }
      Routes.Match match = Routes.find(verb, path);
      if (match == null) {
        error(ex, Status.NOT_FOUND.withDescription("no such path: " + path
            + " (the API is described at /v1/openapi.json)"), null);
        return;
      }
      if (!match.route().verb().equals(verb)) {
        ex.getResponseHeaders().set("Allow", String.join(", ", Routes.verbs(path)));
        error(ex, 405, "UNIMPLEMENTED", verb + " is not allowed on " + path + "; allowed: "
            + String.join(", ", Routes.verbs(path)));
        return;
      }
      call(ex, match);
    } catch (IOException e) {
      log.debug("HTTP exchange ended early", "error", String.valueOf(e.getMessage()));
    } catch (RuntimeException e) {
      log.warn("HTTP request failed", "path", ex.getRequestURI().getRawPath(), "error", e.toString());
      try {
        error(ex, Status.INTERNAL.withDescription("internal error: " + e.getClass().getSimpleName()), null);
      } catch (IOException | RuntimeException ignored) {
        // the answer had started already: the connection is closed by the try
      }
    }
  }

  /**
   * The caller, when it may read stats (anyone, when no credentials are checked); null, with the
   * refusal sent, when it may not.
   */
  private @Nullable Identity reader(HttpExchange ex) throws IOException {
    AuthInterceptor auth = options.auth();
    if (auth == null) {
      return ANYONE;
    }
    AuthInterceptor.Verdict v = check(auth, ex, dev.spc.proto.AdminServiceGrpc.getGetStatsMethod()
        .getFullMethodName(), RequestFields.query(ex.getRequestURI().getRawQuery()).get("access_token"));
    if (v.identity() == null) {
      error(ex, java.util.Objects.requireNonNull(v.refusal()), null);
    }
    return v.identity();
  }

  /**
   * The caller's credentials checked for {@code method}: the {@code Authorization} header, else
   * {@code ?access_token=} (a browser's EventSource sends no headers), or under mutual TLS the
   * client certificate.
   */
  private static AuthInterceptor.Verdict check(AuthInterceptor auth, HttpExchange ex, String method,
      @Nullable List<String> accessToken) {
    String header = ex.getRequestHeaders().getFirst("Authorization");
    return auth.check(method, header != null ? header
        : accessToken == null ? null : "Bearer " + accessToken.getLast(),
        ex instanceof HttpsExchange hx ? hx.getSSLSession() : null);
  }

  private void servePage(HttpExchange ex, Page page) throws IOException {
    var buf = new java.io.ByteArrayOutputStream(16 * 1024);
    String type = page.write(buf);
    send(ex, 200, type, buf.toByteArray());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void call(HttpExchange ex, Routes.Match match) throws IOException {
    Routes.Route route = match.route();
    MethodDescriptor<Message, Message> method = (MethodDescriptor) route.method();
    Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method
        .getRequestMarshaller()).getMessagePrototype();
    Message.Builder b = prototype.newBuilderForType();
    Map<String, List<String>> query = RequestFields.query(ex.getRequestURI().getRawQuery());
    List<String> accessToken = query.remove("access_token");
    try {
      if (route.body()) {
        String body = readBody(ex);
        if (body == null) {
          return;
        }
        if (!body.isBlank()) {
          PARSER.merge(body, b);
        }
      }
      RequestFields.merge(b, query);
      Map<String, List<String>> path = new java.util.LinkedHashMap<>();
      match.params().forEach((k, v) -> path.put(k, List.of(v)));
      RequestFields.merge(b, path);
    } catch (InvalidProtocolBufferException | RequestFields.BadField e) {
      error(ex, Status.INVALID_ARGUMENT.withDescription(e.getMessage()), null);
      return;
    }
    Metadata md = new Metadata();
    AuthInterceptor auth = options.auth();
    if (auth != null) {
      AuthInterceptor.Verdict v = check(auth, ex, method.getFullMethodName(), accessToken);
      Identity id = v.identity();
      if (id == null) {
        Status refusal = java.util.Objects.requireNonNull(v.refusal());
        log.info("HTTP call refused", "peer", String.valueOf(ex.getRemoteAddress()), "method",
            method.getFullMethodName(), "code", refusal.getCode());
        error(ex, refusal, null);
        return;
      }
      md = vouched.vouch(id);
    }
    for (Metadata.Key<String> h : TRACE_HEADERS) { // W3C trace context of a submit, kept with the job
      String v = ex.getRequestHeaders().getFirst(h.name());
      if (v != null) {
        md.put(h, v);
      }
    }
    Channel ch = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
    try {
      if (route.events()) {
        events(ex, ch, method, b.build());
      } else {
        Message reply = ClientCalls.blockingUnaryCall(ch, method, CallOptions.DEFAULT, b.build());
        send(ex, 200, "application/json", PRINTER.print(reply).getBytes(StandardCharsets.UTF_8));
      }
    } catch (StatusRuntimeException e) {
      error(ex, e.getStatus(), e.getTrailers());
    } finally {
      vouched.withdraw(md);
    }
  }

  /** A server-streaming call as server-sent events: one {@code data:} line per message. */
  private void events(HttpExchange ex, Channel ch, MethodDescriptor<Message, Message> method,
      Message request) throws IOException {
    Context.CancellableContext ctx = Context.current().withCancellation();
    Context previous = ctx.attach();
    try {
      var it = ClientCalls.blockingServerStreamingCall(ch, method, CallOptions.DEFAULT, request);
      // The first message (or the error) decides the status line.
      boolean first = it.hasNext();
      var h = ex.getResponseHeaders();
      h.set("Content-Type", "text/event-stream; charset=utf-8");
      h.set("Cache-Control", "no-cache");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      boolean more = first;
      while (more) {
        Message m = it.next();
        out.write(("event: " + m.getDescriptorForType().getName() + "\ndata: " + COMPACT.print(m)
            + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        try {
          more = it.hasNext();
        } catch (StatusRuntimeException e) {
          out.write(("event: error\ndata: " + errorJson(e.getStatus()) + "\n\n")
              .getBytes(StandardCharsets.UTF_8));
          return;
        }
      }
      out.write("event: end\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8));
    } finally {
      ctx.detach(previous);
      ctx.cancel(null);
    }
  }

  private @Nullable String readBody(HttpExchange ex) throws IOException {
    int max = options.maxBodyBytes();
    try (InputStream in = ex.getRequestBody()) {
      byte[] body = in.readNBytes(max + 1);
      if (body.length > max) {
        error(ex, 413, "RESOURCE_EXHAUSTED", "the request body is over " + max + " bytes");
        return null;
      }
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    ex.getResponseBody().write(body);
  }

  private static void error(HttpExchange ex, Status status, @Nullable Metadata trailers)
      throws IOException {
    String leader = trailers == null ? null : trailers.get(dev.spc.proto.LeaderHint.KEY);
    if (leader != null) {
      ex.getResponseHeaders().set("X-SPC-Leader", leader);
    }
    send(ex, httpStatus(status.getCode()), "application/json",
        errorJson(status).getBytes(StandardCharsets.UTF_8));
  }

  private static void error(HttpExchange ex, int http, String code, String message) throws IOException {
    send(ex, http, "application/json", errorJson(http, code, message).getBytes(StandardCharsets.UTF_8));
  }

  static String errorJson(Status s) {
    return errorJson(httpStatus(s.getCode()), s.getCode().name(),
        s.getDescription() == null ? s.getCode().name() : s.getDescription());
  }

  private static String errorJson(int http, String code, String message) {
    com.google.gson.JsonObject e = new com.google.gson.JsonObject();
    e.addProperty("code", http);
    e.addProperty("status", code);
    e.addProperty("message", message);
    com.google.gson.JsonObject o = new com.google.gson.JsonObject();
    o.add("error", e);
    return o.toString();
  }

  /** The HTTP status for a gRPC code, as Google's HTTP APIs map them. */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case CANCELLED -> 499;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case DEADLINE_EXCEEDED -> 504;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case PERMISSION_DENIED -> 403;
      case UNAUTHENTICATED -> 401;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
    };
  }
}
