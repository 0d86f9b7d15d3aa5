package dev.spc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.TlsFiles;
import dev.spc.server.auth.CertificateIdentity;
import dev.spc.server.auth.Identity;
import dev.spc.server.auth.Role;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What spc certs makes, what a certificate grants, and how TLS files are read and reloaded. */
class CertificatesTest {
  @TempDir
  Path dir;
  CertificateAuthority ca;

  @BeforeEach
  void makeCa() throws Exception {
    ca = CertificateAuthority.create("test CA", Duration.ofDays(30));
    CertificateAuthority.writeCertificate(dir.resolve("ca.pem"), ca.certificate());
    CertificateAuthority.writeKey(dir.resolve("ca-key.pem"), ca.privateKey());
  }

  static X509Certificate read(Path p) throws Exception {
    try (InputStream in = Files.newInputStream(p)) {
      return io.grpc.util.CertificateUtils.getX509Certificates(in)[0];
    }
  }

  static Identity identity(X509Certificate c) {
    CertificateIdentity.Result r = CertificateIdentity.of(c);
    return assertInstanceOf(CertificateIdentity.Found.class, r, r.toString()).identity();
  }

  @Test
  void aCertificateGrantsItsRole_itsExec_andAWorkerItsName() throws Exception {
    Identity worker = identity(ca.client("gpu-1", "worker", false, Duration.ofDays(1)).cert());
    assertEquals(Role.WORKER, worker.role());
    assertTrue(worker.mayRegister("gpu-1"));
    assertFalse(worker.mayRegister("gpu-2"), "exactly its name, no pattern");
    assertFalse(worker.mayRegister("gpu-1x"));
    assertEquals("certificate CN=gpu-1", worker.label());

    Identity submitter = identity(ca.client("ci", "submitter", false, Duration.ofDays(1)).cert());
    assertEquals(Role.SUBMITTER, submitter.role());
    assertFalse(submitter.mayExec());
    assertTrue(identity(ca.client("ci", "submitter", true, Duration.ofDays(1)).cert()).mayExec());
    assertTrue(identity(ca.client("root", "admin", false, Duration.ofDays(1)).cert()).mayExec());
  }

  @Test
  void aCertificateWithoutAnSpcRole_grantsNothing_andSaysWhatItLacks() throws Exception {
    X509Certificate server = ca.server("coordinator", List.of("localhost"), Duration.ofDays(1)).cert();
    var r = assertInstanceOf(CertificateIdentity.NoRole.class, CertificateIdentity.of(server));
    assertTrue(r.reason().contains("grants no SPC role") && r.reason().contains("OU=spc-"), r.reason());
  }

  @Test
  void aServerCertificateNamesItsHosts_andAnswersToTheCa() throws Exception {
    X509Certificate c = ca.server("coordinator", List.of("coord.example.com", "10.0.0.5", "::1"),
        Duration.ofDays(1)).cert();
    c.verify(ca.certificate().getPublicKey());
    List<String> sans = new ArrayList<>();
    for (List<?> san : c.getSubjectAlternativeNames()) {
      sans.add(String.valueOf(san.get(1)));
    }
    assertTrue(sans.containsAll(Set.of("coord.example.com", "10.0.0.5")), sans.toString());
    assertEquals(3, sans.size(), sans.toString());
    assertTrue(c.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "serverAuth");
    assertTrue(c.getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofDays(2))));
  }

  @Test
  void certsInit_writesEveryFile_keysReadableByTheOwnerOnly_andRefusesToOverwriteACa() throws Exception {
    Path out = dir.resolve("out");
    assertEquals(0, Main.run("certs", "init", out.toString(), "--hosts", "h1", "--workers", "w1,w2"));
    for (String f : List.of("ca", "server", "client", "worker-w1", "worker-w2")) {
      assertTrue(Files.exists(out.resolve(f + ".pem")), f);
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(out.resolve(f + "-key.pem"))), f);
    }
    assertEquals(ExitCodes.USAGE, Main.run("certs", "init", out.toString(), "--hosts", "h1"));
    assertEquals(ExitCodes.USAGE, Main.run("certs", "init", out.toString(), "--hosts", "h1",
        "--workers", "bad name", "--force"));
    assertEquals(0, Main.run("certs", "issue", out.toString(), "--name", "ops", "--role", "operator"));
    Identity ops = identity(read(out.resolve("ops.pem")));
    assertEquals(Role.OPERATOR, ops.role());
    assertEquals(ExitCodes.USAGE, Main.run("certs", "issue", out.toString(), "--name", "x",
        "--role", "root"));
    assertEquals(ExitCodes.USAGE, Main.run("certs", "issue", out.toString(), "--name", "x",
        "--role", "reader", "--hosts", "h"));
  }

  // ------------------------------------------------------------------ TlsFiles

  private Path write(String name, CertificateAuthority.Issued issued) throws IOException {
    issued.write(dir, name);
    return dir.resolve(name + ".pem");
  }

  @Test
  void tlsFiles_problemsNameTheFileAndWhatIsWrong() throws Exception {
    Path cert = write("a", ca.client("a", "reader", false, Duration.ofDays(1)));
    write("b", ca.client("b", "reader", false, Duration.ofDays(1)));
    IOException missing = assertThrows(IOException.class,
        () -> TlsFiles.forServer(dir.resolve("nope.pem"), dir.resolve("a-key.pem"), null));
    assertTrue(missing.getMessage().contains("nope.pem: no such file"), missing.getMessage());
    IOException mismatch = assertThrows(IOException.class,
        () -> TlsFiles.forServer(cert, dir.resolve("b-key.pem"), null));
    assertTrue(mismatch.getMessage().contains("does not belong to the certificate"), mismatch.getMessage());
    Path notAKey = Files.writeString(dir.resolve("rsa.pem"),
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    IOException format = assertThrows(IOException.class, () -> TlsFiles.forServer(cert, notAKey, null));
    assertTrue(format.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), format.getMessage());
    Path encrypted = Files.writeString(dir.resolve("enc.pem"),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
    IOException enc = assertThrows(IOException.class, () -> TlsFiles.forServer(cert, encrypted, null));
    assertTrue(enc.getMessage().contains("is encrypted"), enc.getMessage());
    IOException half = assertThrows(IOException.class, () -> TlsFiles.forClient(null, cert, null));
    assertTrue(half.getMessage().contains("--tls-key"), half.getMessage());
  }

  @Test
  void tlsFiles_reloadWhenBothHalvesMatch_andKeepTheOldPairMeanwhile() throws Exception {
    Path cert = write("server", ca.server("s", List.of("localhost"), Duration.ofDays(20)));
    Path key = dir.resolve("server-key.pem");
    List<TlsFiles.Event> events = new ArrayList<>();
    try (TlsFiles files = TlsFiles.forServer(cert, key, dir.resolve("ca.pem")).onEvent(events::add)) {
      assertTrue(files.mutual());
      assertFalse(files.reloadIfChanged(), "nothing changed");

      write("next", ca.server("s", List.of("localhost"), Duration.ofDays(20)));
      replace(dir.resolve("next.pem"), cert); // the certificate first: its key is not there yet
      assertFalse(files.reloadIfChanged());
      assertInstanceOf(TlsFiles.Event.Rejected.class, events.getLast());
      assertTrue(((TlsFiles.Event.Rejected) events.getLast()).problem().contains("does not belong"));
      int seen = events.size();
      assertFalse(files.reloadIfChanged(), "the same half-written state is reported once");
      assertEquals(seen, events.size());

      replace(dir.resolve("next-key.pem"), key);
      assertTrue(files.reloadIfChanged());
      assertInstanceOf(TlsFiles.Event.Reloaded.class, events.getLast());
      assertFalse(files.reloadIfChanged());
    }
  }

  @Test
  void tlsFiles_warnOfACertificateCloseToExpiry() throws Exception {
    Path cert = write("soon", ca.client("soon", "reader", false, Duration.ofDays(3)));
    List<TlsFiles.Event> events = new ArrayList<>();
    try (TlsFiles files = TlsFiles.forClient(dir.resolve("ca.pem"), cert, dir.resolve("soon-key.pem"))
        .onEvent(events::add)) {
      assertTrue(files.presentsCertificate());
      assertInstanceOf(TlsFiles.Event.Expiring.class, events.getFirst());
    }
  }

  /** Moves {@code from} over {@code to}, making sure the modification time moves too. */
  static void replace(Path from, Path to) throws IOException {
    FileTime before = Files.getLastModifiedTime(to);
    Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    if (!Files.getLastModifiedTime(to).toInstant().isAfter(before.toInstant())) {
      Files.setLastModifiedTime(to, FileTime.from(before.toInstant().plusSeconds(1)));
    }
  }
}
