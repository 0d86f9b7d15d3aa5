package dev.spc.cli;

import dev.spc.client.SpcClient;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** How clients and agents reach a coordinator that serves TLS; each flag also from the environment. */
final class TlsOptions {
  @Option(names = "--tls-ca",
      description = "Dial with TLS, trusting the coordinator's certificate if this PEM CA signed it"
          + " (default: $SPC_TLS_CA or the config file).")
  @Nullable Path ca;

  @Option(names = "--tls-cert",
      description = "Present this PEM client certificate, for a coordinator that requires mutual"
          + " TLS (default: $SPC_TLS_CERT or the config file).")
  @Nullable Path cert;

  @Option(names = "--tls-key",
      description = "The PEM (PKCS#8) key of --tls-cert (default: $SPC_TLS_KEY or the config file).")
  @Nullable Path key;

  @Option(names = "--tls", description = "Dial with TLS, trusting the system's roots (implied by"
      + " the options above).")
  boolean tls;

  boolean enabled() {
    return tls || ca != null || cert != null || key != null;
  }

  /** Applies these settings to a client builder; a missing half of a pair is a usage error. */
  SpcClient.Builder apply(SpcClient.Builder b) {
    check();
    if (!enabled()) {
      return b;
    }
    b.tlsCa(ca);
    if (cert != null && key != null) {
      b.tlsClientCertificate(cert, key);
    }
    return b;
  }

  void check() {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException(cert == null
          ? "--tls-key (or SPC_TLS_KEY) needs --tls-cert (or SPC_TLS_CERT) too"
          : "--tls-cert (or SPC_TLS_CERT) needs --tls-key (or SPC_TLS_KEY) too");
    }
  }
}
