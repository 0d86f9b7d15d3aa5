package dev.spc.server.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Identities established outside gRPC (by the HTTP gateway, which checked the caller's token or
 * certificate with {@link AuthInterceptor#check}) handed to the in-process server that serves the
 * call. The gateway vouches for an identity and gets a random ticket; the call carries the ticket
 * in its metadata; this interceptor, on the in-process server only (no network reaches it), puts
 * the identity in the call's context. A ticket is good until the gateway withdraws it.
 */
public final class Vouched implements ServerInterceptor {
  static final Metadata.Key<String> TICKET = Metadata.Key.of("spc-vouched", Metadata.ASCII_STRING_MARSHALLER);
  private static final SecureRandom random = new SecureRandom();

  private final Map<String, Identity> tickets = new ConcurrentHashMap<>();

  /** Vouches for {@code id}: the metadata to send with the call, holding a fresh ticket. */
  public Metadata vouch(Identity id) {
    byte[] b = new byte[16];
    random.nextBytes(b);
    String ticket = HexFormat.of().formatHex(b);
    tickets.put(ticket, id);
    Metadata m = new Metadata();
    m.put(TICKET, ticket);
    return m;
  }

  /** Withdraws the ticket in {@code m} once its call ended. */
  public void withdraw(Metadata m) {
    String t = m.get(TICKET);
    if (t != null) {
      tickets.remove(t);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String t = headers.get(TICKET);
    @Nullable Identity id = t == null ? null : tickets.get(t);
    if (id == null) {
      call.close(Status.UNAUTHENTICATED.withDescription("no identity vouched for this call"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Context.current().withValue(Identity.CURRENT, id), call, headers,
        next);
  }
}
