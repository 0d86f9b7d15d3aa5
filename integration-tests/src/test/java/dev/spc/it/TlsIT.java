package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.Main;
import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.SpcClient;
import dev.spc.client.SpcException;
import dev.spc.client.WorkerInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.util.CertificateUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * TLS and mutual TLS against real coordinator and agent processes, with certificates made by
 * {@code spc certs} (and one set by openssl, from the README): who gets in, who is refused and
 * how clearly, certificate identities, rotation without a restart, and the secured grpcurl lines.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsIT {
  Pki pki;
  Path tokens;
  String adminToken;
  /** Mutual TLS and a tokens file, on a non-loopback bind. */
  Cluster mtls;
  /** TLS and a tokens file (no client certificates), on a non-loopback bind. */
  Cluster tlsTokens;

  @BeforeAll
  void start() throws Exception {
    pki = Pki.init("localhost", "w1", "gpu-1");
    pki.issue("reader", "reader").issue("submitter", "submitter").issue("runner", "submitter", "--exec");
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "tls-");
    tokens = dir.resolve("tokens");
    adminToken = AuthIT.createToken(tokens, "--role", "admin");
    List<String> common = List.of("--heartbeat-interval", "200ms", "--heartbeat-timeout", "1s",
        "--bind", "0.0.0.0", "--tokens-file", tokens.toString());
    List<String> a = new ArrayList<>(common);
    a.addAll(pki.serverArgs(true));
    mtls = new Cluster(a, ProcessCluster.SMALL_JVM, pki.client("client"));
    List<String> b = new ArrayList<>(common);
    b.addAll(pki.serverArgs(false));
    tlsTokens = new Cluster(b, ProcessCluster.SMALL_JVM, pki.client(null).andThen(c -> c.token(adminToken)));
  }

  @AfterAll
  void stop() {
    for (Cluster c : new Cluster[] {mtls, tlsTokens}) {
      if (c != null) {
        c.close();
      }
    }
  }

  SpcClient client(Cluster c, Consumer<SpcClient.Builder> setup) {
    SpcClient.Builder b = SpcClient.newBuilder().target(c.processes.target())
        .submitRetryTimeout(Duration.ZERO).callTimeout(Duration.ofSeconds(20));
    setup.accept(b);
    return b.build();
  }

  /** {@code spc ARGS} in this JVM: its exit code and what it wrote to stderr. */
  static Map.Entry<Integer, String> cli(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int rc = Main.run(args);
      return Map.entry(rc, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void aClientThatDoesNotTrustTheCa_failsClearly() throws Exception {
    Pki other = Pki.init("localhost");
    try (SpcClient c = client(tlsTokens, other.client(null).andThen(b -> b.token(adminToken)))) {
      SpcException e = assertThrows(SpcException.PermissionDenied.class, c::stats);
      assertEquals(Status.Code.UNAUTHENTICATED, e.code());
      assertTrue(e.getMessage().contains("not signed by a CA this side trusts")
          && e.getMessage().contains("--tls-ca"), e.getMessage());
    }
    var r = cli("workers", "--coordinator", tlsTokens.processes.target(), "--tls",
        "--token", adminToken);
    assertEquals(5, r.getKey(), r.getValue());
    assertTrue(r.getValue().contains("not signed by a CA this side trusts"), r.getValue());
  }

  @Test
  void plaintextAgainstTheTlsPort_failsClearly_andTlsAgainstPlaintextToo() throws Exception {
    try (SpcClient c = client(tlsTokens, b -> b.token(adminToken))) {
      SpcException e = assertThrows(SpcException.class, c::stats);
      assertTrue(e.getMessage().contains("if it serves TLS, dial it with TLS (--tls-ca"), e.getMessage());
    }
    try (Cluster plain = new Cluster()) {
      var r = cli("workers", "--coordinator", plain.processes.target(), "--tls-ca",
          pki.file("ca.pem").toString());
      assertEquals(5, r.getKey(), r.getValue());
      assertTrue(r.getValue().contains("does not serve TLS on this port"), r.getValue());
    }
  }

  @Test
  void mutualTls_requiresACertificate_andTheCertificateNamesTheRole() throws Exception {
    try (SpcClient none = client(mtls, pki.client(null))) {
      SpcException e = assertThrows(SpcException.PermissionDenied.class, none::stats);
      assertTrue(e.getMessage().contains("requires a client certificate"), e.getMessage());
    }
    try (SpcClient reader = client(mtls, pki.client("reader"));
        SpcClient submitter = client(mtls, pki.client("submitter"));
        SpcClient runner = client(mtls, pki.client("runner"))) {
      reader.stats();
      SpcException denied = assertThrows(SpcException.PermissionDenied.class,
          () -> reader.submit(JobSpec.of("noop")));
      assertEquals(Status.Code.PERMISSION_DENIED, denied.code());
      assertTrue(denied.getMessage().contains("role 'reader' (certificate CN=reader)"), denied.getMessage());
      long before = mtls.client.stats().submittedTotal();
      SpcException exec = assertThrows(SpcException.PermissionDenied.class,
          () -> submitter.submit(JobSpec.newBuilder("exec").args("true").build()));
      assertTrue(exec.getMessage().contains("exec"), exec.getMessage());
      assertEquals(before, mtls.client.stats().submittedTotal(), "nothing created");
      SpcException stop = assertThrows(SpcException.PermissionDenied.class,
          () -> submitter.stopWorker("anyone"));
      assertTrue(stop.getMessage().contains("StopWorker"), stop.getMessage());
      JobId id = runner.submit(JobSpec.newBuilder("exec").args("true").build()); // OU=spc-exec
      assertEquals(JobState.PENDING, runner.status(id).state());
      runner.cancel(id);
    }
    // A token still works over mutual TLS, and decides the role when sent.
    try (SpcClient readerWithAdminToken = client(mtls, pki.client("reader").andThen(b -> b.token(adminToken)))) {
      mtls.client.cancel(readerWithAdminToken.submit(JobSpec.of("noop-for-nobody")));
    }
  }

  @Test
  void aWorkerCertificateForW1_cannotRegisterAsW2_andAClientCertificateCannotRegisterAtAll()
      throws Exception {
    ProcessCluster.Node w2 = mtls.processes.startWorker("w2", pki.clientArgs("worker-w1"));
    assertEquals(2, w2.waitForExit(Cluster.PATIENCE), w2.output());
    assertTrue(w2.output().contains("'certificate CN=w1' may not register a worker named 'w2' (it may: w1)"),
        w2.output());
    ProcessCluster.Node asClient = mtls.processes.startWorker("client", pki.clientArgs("client"));
    ProcessCluster.Node reader = mtls.processes.startWorker("reader", pki.clientArgs("reader"));
    assertEquals(2, reader.waitForExit(Cluster.PATIENCE), reader.output());
    assertTrue(reader.output().contains("role 'reader'") && reader.output().contains("WorkerService"),
        reader.output());
    // An admin certificate may register any worker (admins may do everything).
    mtls.poll("the admin-certified agent registered", () -> mtls.client.workers().stream()
        .anyMatch(w -> w.name().equals("client")), asClient);
    asClient.terminate();
    assertEquals(0, asClient.waitForExit(Cluster.PATIENCE), asClient.output());
  }

  @Test
  void rotatingTheServerCertificateAndTheTokensFile_takesEffectWithoutARestart_whileAnAgentStaysUp()
      throws Exception {
    ProcessCluster.Node agent = mtls.worker("gpu-1", 1, pki.clientArgs("worker-gpu-1").toArray(String[]::new));
    JobStatusProbe probe = new JobStatusProbe(mtls);
    WorkerInfo before = probe.worker("gpu-1");
    BigInteger old = serverSerial(mtls.processes.port());
    assertEquals(pki.certificate("server.pem").getSerialNumber(), old);

    // A renewed server certificate from the same CA, written as an operator would: key, then cert.
    pki.issueServer("renewed", "localhost");
    Path served = pki.file("server.pem");
    Path servedKey = pki.file("server-key.pem");
    replace(pki.file("renewed-key.pem"), servedKey);
    replace(pki.file("renewed.pem"), served);
    BigInteger renewed = pki.certificate("server.pem").getSerialNumber();
    mtls.poll("new handshakes get the renewed certificate", () -> {
      try {
        return serverSerial(mtls.processes.port()).equals(renewed);
      } catch (IOException e) {
        return false;
      }
    });
    assertTrue(mtls.processes.coordinator().output().contains("TLS files reloaded"),
        mtls.processes.coordinator().output());

    // A new token works at once over the same coordinator.
    String fresh = AuthIT.createToken(tokens, "--role", "reader", "--label", "fresh");
    try (SpcClient c = client(mtls, pki.client("worker-w1").andThen(b -> b.token(fresh)))) {
      mtls.poll("the new token is accepted", () -> {
        try {
          c.stats();
          return true;
        } catch (SpcException.PermissionDenied e) {
          return false;
        }
      });
    }

    // The agent's stream never broke: same connection, jobs still flow, no reconnect.
    JobId id = mtls.client.submit(JobSpec.of("echo", "after the rotation"));
    assertEquals("after the rotation", mtls.client.await(id, Cluster.PATIENCE).resultText());
    assertEquals(before.connectedAt(), probe.worker("gpu-1").connectedAt(), "the same stream");
    assertFalse(agent.output().contains("reconnect") || agent.output().contains("lost"),
        agent.output());
  }

  @Test
  void aNonLoopbackBindWithoutSecurity_isRefused_andStartsWithInsecure() throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "bind-");
    try (ProcessCluster p = new ProcessCluster(dir)) {
      IOException e = assertThrows(IOException.class,
          () -> p.startCoordinator(List.of("--in-memory", "--bind", "0.0.0.0")));
      assertTrue(e.getMessage().contains("refusing to listen on 0.0.0.0 without security")
          && e.getMessage().contains("--insecure"), e.getMessage());
      // TLS alone is not enough: nobody would be asked who they are.
      IOException tlsOnly = assertThrows(IOException.class, () -> {
        List<String> args = new ArrayList<>(List.of("--in-memory", "--bind", "0.0.0.0"));
        args.addAll(pki.serverArgs(false));
        p.startCoordinator(args);
      });
      assertTrue(tlsOnly.getMessage().contains("refusing to listen"), tlsOnly.getMessage());
      p.startCoordinator(List.of("--in-memory", "--bind", "0.0.0.0", "--insecure"));
      try (SpcClient c = SpcClient.newBuilder().target(p.target()).build()) {
        assertEquals(0, c.stats().pending());
      }
    }
  }

  @Test
  void theReadmeSecuredGrpcurlLines_work() throws Exception {
    List<String> lines = securedGrpcurlLines();
    assertTrue(lines.size() >= 3, "expected the README's secured grpcurl lines, found " + lines);
    Map<String, String> env = new HashMap<>();
    env.put("SPC_TOKEN", adminToken);
    StringBuilder transcript = new StringBuilder();
    for (String line : lines) {
      List<String> words = new ArrayList<>(Grpcurl.words(line, env));
      assertEquals("grpcurl", words.remove(0));
      for (int i = 0; i < words.size(); i++) {
        if (words.get(i).startsWith("certs/")) {
          words.set(i, pki.file(words.get(i).substring("certs/".length())).toString());
        }
      }
      assertTrue(words.contains("-cacert") && !words.contains("-plaintext"), line);
      ManagedChannel ch = Grpcurl.channel(words, tlsTokens.processes.target());
      try {
        transcript.append("$ ").append(line).append('\n').append(new Grpcurl(ch).run(words));
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    String t = transcript.toString();
    assertTrue(t.contains("spc.v1.JobService"), t);
    assertTrue(t.contains("\"jobId\""), t);
    // Without the header the same call is refused.
    List<String> noToken = new ArrayList<>(List.of("-cacert", pki.file("ca.pem").toString(),
        "localhost:7070", "spc.v1.AdminService/GetStats"));
    ManagedChannel ch = Grpcurl.channel(noToken, tlsTokens.processes.target());
    try {
      Exception e = assertThrows(Exception.class, () -> new Grpcurl(ch).run(noToken));
      assertEquals(Status.Code.UNAUTHENTICATED, Status.fromThrowable(e).getCode(), e.toString());
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void theReadmeBufCurlLines_workAsWritten() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(onPath("buf"),
        "skipped: no buf on PATH (.ci/run installs it: npm install -g @bufbuild/buf)");
    String section = readme().substring(readme().indexOf("## Security"), readme().indexOf("## grpcurl"));
    List<String> lines = section.lines().filter(l -> l.startsWith("buf curl ")).toList();
    assertTrue(lines.size() >= 2, section);
    String url = "https://localhost:" + tlsTokens.processes.port() + "/";
    StringBuilder transcript = new StringBuilder();
    for (String line : lines) {
      String cmd = line.replace("certs/", pki.dir + "/").replace("https://coord.example.com:7070/", url);
      ProcessBuilder pb = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true);
      pb.environment().put("SPC_TOKEN", adminToken);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), line + "\n" + out);
      transcript.append("$ ").append(line).append('\n').append(out);
    }
    assertTrue(transcript.toString().contains("\"jobId\"") && transcript.toString().contains("\"submittedTotal\""),
        transcript.toString());
  }

  static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator, -1)) {
      if (Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void certificatesMadeByOpenssl_asTheReadmeShows_work() throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "openssl-");
    String script = readmeBlockAfter("### Your own PKI: openssl");
    Process p = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).directory(dir.toFile())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    // A certificate with no SPC grant, from the same CA.
    Process nobody = new ProcessBuilder("bash", "-euo", "pipefail", "-c",
        "openssl req -newkey rsa:2048 -nodes -subj '/CN=nobody' -keyout nobody-key.pem -out nobody.csr 2>/dev/null"
            + " && openssl x509 -req -in nobody.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial"
            + " -days 30 -extfile client.ext -out nobody.pem 2>/dev/null")
        .directory(dir.toFile()).redirectErrorStream(true).start();
    String nobodyOut = new String(nobody.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, nobody.waitFor(), nobodyOut);

    List<String> args = List.of("--in-memory", "--heartbeat-interval", "200ms",
        "--heartbeat-timeout", "1s", "--tls-cert", dir.resolve("server.pem").toString(),
        "--tls-key", dir.resolve("server-key.pem").toString(),
        "--client-ca", dir.resolve("ca.pem").toString());
    try (Cluster c = new Cluster(args, ProcessCluster.SMALL_JVM, b -> b.tlsCa(dir.resolve("ca.pem"))
        .tlsClientCertificate(dir.resolve("ops.pem"), dir.resolve("ops-key.pem")))) {
      c.worker("w1", 1, "--tls-ca", dir.resolve("ca.pem").toString(),
          "--tls-cert", dir.resolve("w1.pem").toString(), "--tls-key", dir.resolve("w1-key.pem").toString());
      assertEquals("openssl", c.client.await(c.client.submit(JobSpec.of("echo", "openssl")),
          Cluster.PATIENCE).resultText());
      try (SpcClient n = client(c, b -> b.tlsCa(dir.resolve("ca.pem"))
          .tlsClientCertificate(dir.resolve("nobody.pem"), dir.resolve("nobody-key.pem")))) {
        SpcException e = assertThrows(SpcException.PermissionDenied.class, n::stats);
        assertEquals(Status.Code.PERMISSION_DENIED, e.code());
        assertTrue(e.getMessage().contains("grants no SPC role"), e.getMessage());
      }
      // spc's own certificates are from another CA: refused by this coordinator.
      try (SpcClient foreign = client(c, b -> b.tlsCa(dir.resolve("ca.pem"))
          .tlsClientCertificate(pki.file("client.pem"), pki.file("client-key.pem")))) {
        SpcException e = assertThrows(SpcException.class, foreign::stats);
        assertTrue(e.getMessage().contains("did not accept this client's certificate"), e.getMessage());
      }
      c.poll("the coordinator logged why", () -> c.processes.coordinator().output()
          .contains("msg=\"client certificate refused\""));
      assertTrue(c.processes.coordinator().output().contains("not signed by the client CA"),
          c.processes.coordinator().output());
    }
    // And openssl accepts what spc certs made.
    Process verify = new ProcessBuilder("openssl", "verify", "-CAfile", pki.file("ca.pem").toString(),
        pki.file("server.pem").toString(), pki.file("worker-w1.pem").toString())
        .redirectErrorStream(true).start();
    String v = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, verify.waitFor(), v);
  }

  // ------------------------------------------------------------------ helpers

  /** Lists workers with the admin client. */
  record JobStatusProbe(Cluster c) {
    WorkerInfo worker(String name) {
      return c.client.workers().stream().filter(w -> w.name().equals(name)).findFirst()
          .orElseThrow(() -> new AssertionError("no worker " + name));
    }
  }

  static void replace(Path from, Path to) throws IOException {
    Path tmp = to.resolveSibling(to.getFileName() + ".new");
    Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The serial number of the certificate the coordinator presents to a new connection. */
  BigInteger serverSerial(int port) throws IOException {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      try (InputStream cert = Files.newInputStream(pki.file("client.pem"));
          InputStream key = Files.newInputStream(pki.file("client-key.pem"))) {
        ks.setKeyEntry("client", CertificateUtils.getPrivateKey(key), new char[0],
            CertificateUtils.getX509Certificates(cert));
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
      TrustManager trustAll = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      };
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), new TrustManager[] {trustAll}, null);
      try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
        s.setSoTimeout(10_000);
        s.startHandshake();
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
      }
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  static String readme() throws IOException {
    return Files.readString(Path.of(System.getProperty("user.dir")).getParent().resolve("README.md"));
  }

  /** The grpcurl lines of the README's Security section. */
  static List<String> securedGrpcurlLines() throws IOException {
    String text = readme();
    String section = text.substring(text.indexOf("## Security"), text.indexOf("## grpcurl"));
    List<String> out = new ArrayList<>();
    boolean inCode = false;
    for (String line : section.split("\n", -1)) {
      if (line.startsWith("```")) {
        inCode = !inCode;
      } else if (inCode && line.startsWith("grpcurl ")) {
        out.add(line);
      }
    }
    return out;
  }

  /** The first code block after {@code heading} in the README. */
  static String readmeBlockAfter(String heading) throws IOException {
    String text = readme();
    int at = text.indexOf(heading);
    assertTrue(at >= 0, "README has no '" + heading + "'");
    int start = text.indexOf("```sh\n", at) + 6;
    return text.substring(start, text.indexOf("```", start));
  }
}
