package dev.spc.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.io.IOException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** TLS failures, as grpc-java reports them, said plainly. */
class TransportProblemTest {
  static Status io(Throwable cause) {
    return Status.UNAVAILABLE.withDescription("io exception").withCause(cause);
  }

  static TransportProblem.Kind kind(Status s, boolean tls, boolean cert) {
    TransportProblem.Problem p = TransportProblem.of(s, tls, cert);
    return p == null ? null : p.kind();
  }

  @Test
  void eachHandshakeFailureHasItsKind() {
    SSLHandshakeException pkix = new SSLHandshakeException("General OpenSslEngine problem");
    pkix.initCause(new java.security.cert.CertificateException("PKIX path building failed:"
        + " unable to find valid certification path to requested target"));
    assertEquals(TransportProblem.Kind.UNTRUSTED_SERVER, kind(io(pkix), true, false));
    assertEquals(TransportProblem.Kind.WRONG_HOST, kind(io(new SSLHandshakeException(
        "No subject alternative names matching IP address 10.0.0.9 found")), true, false));
    assertEquals(TransportProblem.Kind.CERTIFICATE_REQUIRED, kind(Status.UNAVAILABLE
        .withDescription("ssl exception").withCause(new javax.net.ssl.SSLException(
            "error:1000045c:SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED")), true, false));
    assertEquals(TransportProblem.Kind.NOT_TLS, kind(io(new javax.net.ssl.SSLException(
        "error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER")), true, false));
    Status internal = Status.UNAVAILABLE.withDescription("ssl exception").withCause(
        new javax.net.ssl.SSLException("OPENSSL_internal:TLSV1_ALERT_INTERNAL_ERROR"));
    assertEquals(TransportProblem.Kind.CLIENT_CERTIFICATE_REFUSED, kind(internal, true, true));
    assertEquals(TransportProblem.Kind.OTHER_TLS, kind(internal, true, false));
  }

  @Test
  void plainFailuresAreLeftAlone_exceptAPlaintextCallThatATlsPortClosed() {
    assertNull(kind(io(new java.net.ConnectException("Connection refused")), true, false));
    assertNull(kind(Status.PERMISSION_DENIED.withDescription("role"), true, true));
    assertNull(kind(io(new IOException("Connection reset by peer")), true, false));
    Status closed = Status.UNAVAILABLE.withDescription("Network closed for unknown reason");
    assertEquals(TransportProblem.Kind.MAYBE_TLS_PORT, kind(closed, false, false));
    Status explained = TransportProblem.explained(closed, false, false);
    assertEquals(Status.Code.UNAVAILABLE, explained.getCode(), "still worth retrying");
    assertTrue(explained.getDescription().contains("--tls-ca"), explained.getDescription());
    Status untrusted = TransportProblem.explained(io(new SSLHandshakeException("PKIX path building failed")), true, false);
    assertEquals(Status.Code.UNAUTHENTICATED, untrusted.getCode(), "retrying cannot help");
  }
}
