package dev.spc.proto;

import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.InsecureChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * How a client or an agent secures its channel to the coordinator: plaintext (the default), TLS
 * from PEM files (reloaded when they change), or credentials the caller built. The SDK's and the
 * agent's builders keep one of these.
 */
public final class ClientTls {
  private boolean tls;
  private @Nullable Path ca;
  private @Nullable Path cert;
  private @Nullable Path key;
  private @Nullable ChannelCredentials custom;

  /**
   * What to dial with, the files to close with the channel (null for none), and an interceptor
   * that says TLS failures plainly ({@link TransportProblem}).
   */
  public record Opened(ChannelCredentials credentials, @Nullable TlsFiles files,
      ClientInterceptor explainer) {}

  /** TLS on or off; with no CA file, the system's trusted roots. */
  public void enable(boolean on) {
    this.tls = on;
  }

  /** Trust the coordinator's certificate if this PEM CA signed it; null: the system's roots. */
  public void ca(@Nullable Path caPem) {
    this.ca = caPem;
    this.tls = true;
  }

  /** Present this certificate (PEM chain, PKCS#8 PEM key) to a coordinator asking for one. */
  public void clientCertificate(Path certPem, Path keyPem) {
    this.cert = Objects.requireNonNull(certPem, "certPem");
    this.key = Objects.requireNonNull(keyPem, "keyPem");
    this.tls = true;
  }

  /** Any credentials instead of the settings above. */
  public void credentials(ChannelCredentials credentials) {
    this.custom = Objects.requireNonNull(credentials, "credentials");
  }

  /**
   * Reads the files (and starts watching them) if TLS is on; a file that cannot be used is an
   * {@link IllegalArgumentException} naming it.
   */
  public Opened open(Consumer<TlsFiles.Event> events) {
    if (custom != null) {
      return new Opened(custom, null, TransportProblem.interceptor(true, false));
    }
    if (!tls) {
      return new Opened(InsecureChannelCredentials.create(), null,
          TransportProblem.interceptor(false, false));
    }
    try {
      TlsFiles files = TlsFiles.forClient(ca, cert, key).onEvent(events).watch();
      return new Opened(files.channelCredentials(), files,
          TransportProblem.interceptor(true, files.presentsCertificate()));
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
