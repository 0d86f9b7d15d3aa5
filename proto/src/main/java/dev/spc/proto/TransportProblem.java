package dev.spc.proto;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A failed connection to the coordinator, said plainly: gRPC reports TLS problems as UNAVAILABLE
 * "io exception" or "ssl exception" with the cause deep in the chain, and a plaintext client
 * that reaches a TLS port only sees the connection close. The one place that reads those causes.
 */
public final class TransportProblem {
  private TransportProblem() {}

  /** The kinds of problem, for callers that act on them (an agent stops retrying a TLS one). */
  public enum Kind {
    /** The coordinator's certificate is not signed by a CA this side trusts. */
    UNTRUSTED_SERVER,
    /** The coordinator's certificate does not name the address dialled. */
    WRONG_HOST,
    /** The coordinator requires a client certificate and none was presented. */
    CERTIFICATE_REQUIRED,
    /** The coordinator refused the client certificate presented. */
    CLIENT_CERTIFICATE_REFUSED,
    /** A certificate has expired or is not valid yet. */
    EXPIRED,
    /** TLS was used against a port that serves plaintext. */
    NOT_TLS,
    /** Plaintext was used and the coordinator closed the connection at once: likely a TLS port. */
    MAYBE_TLS_PORT,
    /** Another TLS failure. */
    OTHER_TLS
  }

  /** A problem: its kind, and a sentence saying what to do. */
  public record Problem(Kind kind, String message) {}

  /**
   * What went wrong with the connection behind {@code status}, or null if it was not a TLS
   * problem; {@code tls} says whether this side dialled with TLS.
   */
  public static @Nullable Problem of(Status status, boolean tls) {
    return of(status, tls, false);
  }

  /**
   * Like {@link #of(Status, boolean)}; {@code clientCertificate} says whether this side presented
   * a certificate (a coordinator that refuses one may only say "internal error").
   */
  public static @Nullable Problem of(Status status, boolean tls, boolean clientCertificate) {
    if (status.getCode() != Status.Code.UNAVAILABLE && status.getCode() != Status.Code.UNKNOWN) {
      return null;
    }
    StringBuilder all = new StringBuilder(String.valueOf(status.getDescription()));
    boolean ssl = false;
    for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
      all.append(" | ").append(t.getClass().getName()).append(": ").append(t.getMessage());
      ssl |= t instanceof javax.net.ssl.SSLException
          || t.getClass().getName().contains("ssl.")
          || t instanceof java.security.cert.CertificateException;
    }
    String m = all.toString().toLowerCase(Locale.ROOT);
    if (!tls) {
      if (m.startsWith("network closed for unknown reason")
          || (m.startsWith("io exception") && m.contains("connection reset"))) {
        return new Problem(Kind.MAYBE_TLS_PORT, "the coordinator closed the connection as it"
            + " opened; if it serves TLS, dial it with TLS (--tls-ca FILE or SPC_TLS_CA)");
      }
      return null;
    }
    if (m.contains("not an ssl/tls record") || m.contains("wrong_version_number")
        || m.contains("unsupported or unrecognized ssl message")) {
      return new Problem(Kind.NOT_TLS, "TLS handshake failed: the coordinator does not serve TLS"
          + " on this port; dial it without the TLS options");
    }
    if (!ssl && !m.contains("ssl") && !m.contains("certificate")) {
      return null;
    }
    if (m.contains("certificate_required")) {
      return new Problem(Kind.CERTIFICATE_REQUIRED, "the coordinator requires a client"
          + " certificate (mutual TLS): give --tls-cert and --tls-key (or SPC_TLS_CERT and"
          + " SPC_TLS_KEY) with one its client CA signed");
    }
    if (m.contains("expired") || m.contains("not yet valid")) {
      return new Problem(Kind.EXPIRED, "TLS handshake failed: a certificate has expired or is not"
          + " valid yet (" + firstCause(status) + ")");
    }
    if (m.contains("alert_bad_certificate") || m.contains("alert_unknown_ca")
        || m.contains("bad_certificate") || m.contains("unknown_ca")
        || m.contains("certificate_unknown")) {
      return new Problem(Kind.CLIENT_CERTIFICATE_REFUSED, "the coordinator refused this client's"
          + " certificate: it must be signed by the coordinator's client CA (--client-ca)");
    }
    if (clientCertificate && m.contains("alert_internal_error")) {
      return new Problem(Kind.CLIENT_CERTIFICATE_REFUSED, "the coordinator ended the TLS"
          + " handshake: it did not accept this client's certificate (it must be signed by the"
          + " coordinator's client CA, --client-ca); the coordinator's log says why");
    }
    if (m.contains("no subject alternative") || m.contains("no name matching")) {
      return new Problem(Kind.WRONG_HOST, "the coordinator's TLS certificate does not name the"
          + " address dialled; dial a name it holds, or reissue it with this one (spc certs init"
          + " --hosts)");
    }
    if (m.contains("pkix") || m.contains("certification path")) {
      return new Problem(Kind.UNTRUSTED_SERVER, "the coordinator's TLS certificate is not signed"
          + " by a CA this side trusts: give the CA that signed it (--tls-ca FILE or SPC_TLS_CA)");
    }
    return new Problem(Kind.OTHER_TLS, "TLS handshake failed: " + firstCause(status));
  }

  /**
   * Rewrites the status of calls that fail for a TLS reason into one that says what to do:
   * UNAUTHENTICATED (retrying cannot help; the certificates or options must change), or, for a
   * plaintext call that a TLS port closed, UNAVAILABLE with a hint.
   */
  public static ClientInterceptor interceptor(boolean tls, boolean clientCertificate) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
          CallOptions options, Channel next) {
        return CallEnds.watch(next.newCall(method, options), (status, trailers, answered) ->
            // a call the server answered ran over a working connection: not a TLS problem
            answered ? status : explained(status, tls, clientCertificate));
      }
    };
  }

  /** {@code status} with its TLS problem said plainly (itself if it has none). */
  public static Status explained(Status status, boolean tls, boolean clientCertificate) {
    Problem p = of(status, tls, clientCertificate);
    if (p == null) {
      return status;
    }
    return p.kind() == Kind.MAYBE_TLS_PORT
        ? status.withDescription(status.getDescription() + "; " + p.message())
        : Status.UNAUTHENTICATED.withDescription(p.message()).withCause(status.getCause());
  }

  private static String firstCause(Status status) {
    Throwable deepest = status.getCause();
    for (Throwable t = deepest; t != null; t = t.getCause()) {
      deepest = t;
    }
    return deepest != null ? String.valueOf(deepest.getMessage()) : String.valueOf(status.getDescription());
  }
}
