package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spc.client.SpcClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Certificates for a test, made as an operator makes them: {@code spc certs init DIR --hosts ...}
 * and {@code spc certs issue}, run through the real command line.
 */
final class Pki {
  final Path dir;

  private Pki(Path dir) {
    this.dir = dir;
  }

  /** A CA, a server certificate for {@code hosts}, client.pem (admin) and one per worker. */
  static Pki init(String hosts, String... workers) throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "pki-");
    List<String> args = new ArrayList<>(List.of("certs", "init", dir.toString(), "--hosts", hosts, "--force"));
    if (workers.length > 0) {
      args.addAll(List.of("--workers", String.join(",", workers)));
    }
    run(args.toArray(String[]::new));
    return new Pki(dir);
  }

  /** {@code spc certs issue DIR --name NAME --role ROLE [more]}: NAME.pem and NAME-key.pem. */
  Pki issue(String name, String role, String... more) throws Exception {
    List<String> args = new ArrayList<>(List.of("certs", "issue", dir.toString(), "--name", name,
        "--role", role));
    args.addAll(List.of(more));
    run(args.toArray(String[]::new));
    return this;
  }

  /** {@code spc certs issue DIR --name NAME --hosts HOSTS}: a server certificate. */
  Pki issueServer(String name, String hosts) throws Exception {
    run("certs", "issue", dir.toString(), "--name", name, "--hosts", hosts);
    return this;
  }

  /** The first certificate in {@code name}. */
  java.security.cert.X509Certificate certificate(String name) throws Exception {
    try (java.io.InputStream in = Files.newInputStream(file(name))) {
      return io.grpc.util.CertificateUtils.getX509Certificates(in)[0];
    }
  }

  static void run(String... args) {
    var r = TlsIT.cli(args);
    assertEquals(0, r.getKey(), "spc " + String.join(" ", args) + ": " + r.getValue());
  }

  Path file(String name) {
    return dir.resolve(name);
  }

  /** The coordinator's TLS flags; with {@code mutual}, client certificates are required. */
  List<String> serverArgs(boolean mutual) {
    List<String> a = new ArrayList<>(List.of("--tls-cert", file("server.pem").toString(),
        "--tls-key", file("server-key.pem").toString()));
    if (mutual) {
      a.addAll(List.of("--client-ca", file("ca.pem").toString()));
    }
    return a;
  }

  /** A client's or agent's flags presenting {@code stem}.pem (or only trusting the CA if null). */
  List<String> clientArgs(String stem) {
    List<String> a = new ArrayList<>(List.of("--tls-ca", file("ca.pem").toString()));
    if (stem != null) {
      a.addAll(List.of("--tls-cert", file(stem + ".pem").toString(),
          "--tls-key", file(stem + "-key.pem").toString()));
    }
    return a;
  }

  /** Sets up an SDK client trusting the CA and presenting {@code stem}.pem (none if null). */
  Consumer<SpcClient.Builder> client(String stem) {
    return b -> {
      b.tlsCa(file("ca.pem"));
      if (stem != null) {
        b.tlsClientCertificate(file(stem + ".pem"), file(stem + "-key.pem"));
      }
    };
  }
}
