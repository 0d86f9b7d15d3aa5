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
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * Who may call what. A caller is identified by the bearer token in {@code authorization} (when
 * the coordinator has a tokens file) or else by its client certificate (under mutual TLS); the
 * identity's role must allow the method. Health checks stay open. A refusal is UNAUTHENTICATED
 * (no or an unknown credential) or PERMISSION_DENIED (the role does not allow it, or the
 * certificate grants no role), with a message that says what is missing and never repeats a
 * secret; refusals are logged with the peer, at most one line a second (the rest are counted).
 */
public final class AuthInterceptor implements ServerInterceptor {
  private static final Log log = Log.get(AuthInterceptor.class);
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String HEALTH = "grpc.health.v1.Health/";
  private static final String SESSION_KEY = "spc.identity";

  private final @Nullable TokenFile tokens;
  private final boolean certificates;
  private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - 2_000_000_000L);
  private final AtomicLong unlogged = new AtomicLong();

  /**
   * @param tokens the bearer tokens accepted, or null for none
   * @param certificates whether client certificates (verified by mutual TLS) identify callers
   */
  public AuthInterceptor(@Nullable TokenFile tokens, boolean certificates) {
    if (tokens == null && !certificates) {
      throw new IllegalArgumentException("auth needs a tokens file or client certificates");
    }
    this.tokens = tokens;
    this.certificates = certificates;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (method.startsWith(HEALTH)) {
      return next.startCall(call, headers);
    }
    Verdict v = check(method, headers.get(AUTHORIZATION),
        call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    Identity id = v.identity();
    if (id == null) {
      return refuse(call, java.util.Objects.requireNonNull(v.refusal()), method);
    }
    return Contexts.interceptCall(Context.current().withValue(Identity.CURRENT, id), call, headers,
        next);
  }

  /** Who a caller is and whether it may call a method: an identity, or the refusal. */
  public record Verdict(@Nullable Identity identity, @Nullable Status refusal) {
    static Verdict refused(Status s) {
      return new Verdict(null, s);
    }
  }

  /**
   * Identifies a caller of {@code method} (a full gRPC method name) by its {@code authorization}
   * header or its TLS session's client certificate, and checks its role: the one decision every
   * way in (gRPC, HTTP) makes.
   */
  public Verdict check(String method, @Nullable String authorization, @Nullable SSLSession session) {
    TokenFile tokens = this.tokens;
    String auth = tokens == null ? null : authorization;
    Identity id;
    if (auth != null && tokens != null) {
      if (!auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.length() == 7) {
        return Verdict.refused(Status.UNAUTHENTICATED.withDescription(
            "the authorization header must be 'Bearer <token>'"));
      }
      id = tokens.identify(auth.substring(7).strip());
      if (id == null) {
        return Verdict.refused(Status.UNAUTHENTICATED.withDescription(
            "the bearer token is not one this coordinator accepts (revoked, or from another"
                + " coordinator)"));
      }
    } else {
      X509Certificate cert = certificates ? CertificateIdentity.peer(session) : null;
      if (cert == null) {
        return Verdict.refused(Status.UNAUTHENTICATED.withDescription(certificates
            ? "missing credentials: present a client certificate signed by the coordinator's"
                + " client CA (--tls-cert, --tls-key)" + (tokens != null
                    ? " or send 'authorization: Bearer <token>' (--token or SPC_TOKEN)" : "")
            : "missing credentials: send the header 'authorization: Bearer <token>' (--token or"
                + " SPC_TOKEN); tokens come from 'spc token create'"));
      }
      CertificateIdentity.Result r = fromCertificate(cert, session);
      if (r instanceof CertificateIdentity.NoRole(String reason)) {
        return Verdict.refused(Status.PERMISSION_DENIED.withDescription(reason));
      }
      id = ((CertificateIdentity.Found) r).identity();
    }
    if (!id.role().allows(method)) {
      return Verdict.refused(Status.PERMISSION_DENIED.withDescription("role '" + id.role().label()
          + "' (" + id.label() + ") may not call " + method));
    }
    return new Verdict(id, null);
  }

  /** The certificate's identity, read once per TLS session. */
  private static CertificateIdentity.Result fromCertificate(X509Certificate cert,
      @Nullable SSLSession session) {
    if (session != null && session.getValue(SESSION_KEY) instanceof CertificateIdentity.Result r) {
      return r;
    }
    CertificateIdentity.Result r = CertificateIdentity.of(cert);
    if (session != null) {
      session.putValue(SESSION_KEY, r);
    }
    return r;
  }

  private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status, String method) {
    long now = System.nanoTime();
    long last = lastLogNanos.get();
    if (now - last >= 1_000_000_000L && lastLogNanos.compareAndSet(last, now)) {
      log.warn("call refused", "peer", String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)),
          "method", method, "code", status.getCode(), "reason", status.getDescription(),
          "also_refused_since", unlogged.getAndSet(0));
    } else {
      unlogged.incrementAndGet();
    }
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
