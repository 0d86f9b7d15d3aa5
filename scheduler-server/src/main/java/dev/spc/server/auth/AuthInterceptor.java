package dev.spc.server.auth;

import dev.spc.common.Log;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who may call what: the bearer token in {@code authorization} names an {@link Identity}, whose
 * role must allow the method. Health checks stay open. A refusal is UNAUTHENTICATED (no or an
 * unknown token) or PERMISSION_DENIED (the role does not allow it), with a message that says
 * what is missing and never repeats a secret; refusals are logged with the peer, at most one line
 * a second (the rest are counted).
 */
public final class AuthInterceptor implements ServerInterceptor {
  private static final Log log = Log.get(AuthInterceptor.class);
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String HEALTH = "grpc.health.v1.Health/";

  private final TokenFile tokens;
  private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - 2_000_000_000L);
  private final AtomicLong unlogged = new AtomicLong();

  public AuthInterceptor(TokenFile tokens) {
    this.tokens = tokens;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (method.startsWith(HEALTH)) {
      return next.startCall(call, headers);
    }
    String auth = headers.get(AUTHORIZATION);
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.length() == 7) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(
          "missing credentials: send the header 'authorization: Bearer <token>' (--token or"
              + " SPC_TOKEN); tokens come from 'spc token create'"), method);
    }
    Identity id = tokens.identify(auth.substring(7).strip());
    if (id == null) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(
          "the bearer token is not one this coordinator accepts (revoked, or from another"
              + " coordinator)"), method);
    }
    if (!id.role().allows(method)) {
      return refuse(call, Status.PERMISSION_DENIED.withDescription("role '" + id.role().label()
          + "' (" + id.label() + ") may not call " + method), method);
    }
    return Contexts.interceptCall(Context.current().withValue(Identity.CURRENT, id), call, headers,
        next);
  }

  private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status, String method) {
    long now = System.nanoTime();
    long last = lastLogNanos.get();
    if (now - last >= 1_000_000_000L && lastLogNanos.compareAndSet(last, now)) {
      log.warn("call refused", "peer", String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)),
          "method", method, "code", status.getCode(), "also_refused_since", unlogged.getAndSet(0));
    } else {
      unlogged.incrementAndGet();
    }
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
