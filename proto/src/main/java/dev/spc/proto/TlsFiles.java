package dev.spc.proto;

import dev.spc.common.Log;
import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * TLS from PEM files, for the coordinator ({@link #forServer}) and for clients and agents
 * ({@link #forClient}), reloaded when the files change.
 *
 * <p>The files are checked once a second (modification time and size). A change is applied only
 * when every file parses and the key matches the certificate; otherwise the last good set stays
 * in use and the problem is reported once, so a rotation written in two steps (certificate, then
 * key) never serves a mismatched pair. New TLS handshakes use the new files; connections already
 * open keep theirs.
 *
 * <p>Keys are unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}), RSA or EC, as {@code openssl
 * genpkey} and {@code spc certs init} write them.
 */
public final class TlsFiles implements AutoCloseable {
  /** What happened to the files, for the caller's log. */
  public sealed interface Event {
    /** A new set of files is in use. */
    record Reloaded(String summary) implements Event {}

    /** The files changed but cannot be used; the last good set stays. */
    record Rejected(String problem) implements Event {}

    /** The certificate in use expires soon or has expired. */
    record Expiring(String subject, Instant notAfter) implements Event {}

    /**
     * A server refused a client's certificate during the handshake (at most one a second is
     * reported; {@code alsoRefused} counts the ones not reported since).
     */
    record ClientRefused(String peer, String subject, String reason, long alsoRefused)
        implements Event {}
  }

  private static final Duration EXPIRY_WARNING = Duration.ofDays(14);

  private final @Nullable Path cert;
  private final @Nullable Path key;
  private final @Nullable Path ca;
  private final boolean server;
  private final @Nullable AdvancedTlsX509KeyManager keyManager;
  private final AdvancedTlsX509TrustManager trustManager;
  private final boolean trustsSystemRoots;
  private volatile Consumer<Event> events = e -> {};
  private List<Stamp> stamps;
  private @Nullable List<Stamp> rejected;
  private @Nullable ScheduledExecutorService reloader;
  private volatile @Nullable X509Certificate current;

  private record Stamp(long modifiedMillis, long size) {}

  private record Loaded(X509Certificate @Nullable [] chain, @Nullable PrivateKey key,
      X509Certificate @Nullable [] roots) {}

  private TlsFiles(@Nullable Path cert, @Nullable Path key, @Nullable Path ca, boolean server)
      throws IOException {
    this.cert = cert;
    this.key = key;
    this.ca = ca;
    this.server = server;
    this.stamps = stamps();
    Loaded l = load();
    try {
      if (l.chain() != null && l.key() != null) {
        AdvancedTlsX509KeyManager km = new AdvancedTlsX509KeyManager();
        km.updateIdentityCredentials(l.chain(), l.key());
        keyManager = km;
        current = l.chain()[0];
      } else {
        keyManager = null;
      }
      trustManager = AdvancedTlsX509TrustManager.newBuilder()
          .setVerification(server
              ? AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION
              : AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
          .build();
      if (l.roots() != null) {
        trustManager.updateTrustCredentials(l.roots());
        trustsSystemRoots = false;
      } else {
        trustManager.useSystemDefaultTrustCerts();
        trustsSystemRoots = true;
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("TLS setup failed: " + e.getMessage(), e);
    }
  }

  /**
   * The coordinator's side: its certificate chain and key, and, for mutual TLS, the CA that signs
   * client certificates (null: clients are not asked for one).
   */
  public static TlsFiles forServer(Path cert, Path key, @Nullable Path clientCa) throws IOException {
    return new TlsFiles(Objects.requireNonNull(cert, "cert"), Objects.requireNonNull(key, "key"),
        clientCa, true);
  }

  /**
   * A client's or agent's side: the CA that signed the coordinator's certificate (null: the
   * system's trusted roots), and optionally a certificate and key to present.
   */
  public static TlsFiles forClient(@Nullable Path ca, @Nullable Path cert, @Nullable Path key)
      throws IOException {
    if ((cert == null) != (key == null)) {
      throw new IOException(cert == null
          ? "a TLS key was given without its certificate (--tls-cert)"
          : "a TLS certificate was given without its key (--tls-key)");
    }
    return new TlsFiles(cert, key, ca, false);
  }

  /** Reports events to {@code log}: reloads as info, the rest as warnings. */
  public static Consumer<Event> logTo(Log log) {
    return e -> {
      switch (e) {
        case Event.Reloaded r -> log.info("TLS files reloaded", "now", r.summary());
        case Event.Rejected r -> log.warn("TLS files not reloaded", "problem", r.problem());
        case Event.Expiring x -> log.warn("TLS certificate expires soon", "subject", x.subject(),
            "not_after", x.notAfter());
        case Event.ClientRefused c -> log.warn("client certificate refused", "peer", c.peer(),
            "subject", c.subject(), "reason", c.reason(), "also_refused_since", c.alsoRefused());
      }
    };
  }

  /** Where reloads and expiry warnings are reported (default: nowhere). */
  public TlsFiles onEvent(Consumer<Event> listener) {
    this.events = Objects.requireNonNull(listener, "listener");
    warnIfExpiring();
    return this;
  }

  /** Checks the files once a second from now on, on a daemon thread, until {@link #close}. */
  public synchronized TlsFiles watch() {
    if (reloader == null) {
      ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1,
          Thread.ofPlatform().name("spc-tls-reload").daemon(true).factory());
      ex.setRemoveOnCancelPolicy(true);
      var unused = ex.scheduleWithFixedDelay(() -> {
        try {
          reloadIfChanged();
        } catch (RuntimeException e) {
          events.accept(new Event.Rejected(String.valueOf(e.getMessage())));
        }
      }, 1, 1, TimeUnit.SECONDS);
      reloader = ex;
    }
    return this;
  }

  /** Whether clients must present a certificate (a server with a client CA). */
  public boolean mutual() {
    return server && ca != null;
  }

  /** Whether this side presents a certificate. */
  public boolean presentsCertificate() {
    return keyManager != null;
  }

  /** Credentials for a gRPC server. */
  public ServerCredentials serverCredentials() {
    if (!server || keyManager == null) {
      throw new IllegalStateException("not a server's TLS files");
    }
    TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(keyManager);
    if (ca != null) {
      b.trustManager(new ReportingTrustManager()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return b.build();
  }

  /** The same key (reloaded with the files) and client CA for an HTTPS server. */
  public javax.net.ssl.SSLContext sslContext() throws GeneralSecurityException {
    if (!server || keyManager == null) {
      throw new IllegalStateException("not a server's TLS files");
    }
    javax.net.ssl.SSLContext c = javax.net.ssl.SSLContext.getInstance("TLS");
    c.init(new javax.net.ssl.KeyManager[] {keyManager},
        ca == null ? null : new javax.net.ssl.TrustManager[] {new ReportingTrustManager()}, null);
    return c;
  }

  /** Credentials for a gRPC channel. */
  public ChannelCredentials channelCredentials() {
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(trustManager);
    if (keyManager != null) {
      b.keyManager(keyManager);
    }
    return b.build();
  }

  /**
   * Reads the files again if any changed since they were last read; returns whether a new set
   * is now in use.
   */
  public synchronized boolean reloadIfChanged() {
    List<Stamp> now;
    try {
      now = stamps();
    } catch (IOException e) {
      reject(null, e.getMessage());
      return false;
    }
    if (now.equals(stamps) || now.equals(rejected)) {
      return false;
    }
    try {
      Loaded l = load();
      if (keyManager != null && l.chain() != null && l.key() != null) {
        keyManager.updateIdentityCredentials(l.chain(), l.key());
        current = l.chain()[0];
      }
      if (l.roots() != null) {
        trustManager.updateTrustCredentials(l.roots());
      }
      stamps = now;
      rejected = null;
      events.accept(new Event.Reloaded(summary(l)));
      warnIfExpiring();
      return true;
    } catch (IOException | GeneralSecurityException e) {
      reject(now, e.getMessage());
      return false;
    }
  }

  private void reject(@Nullable List<Stamp> at, @Nullable String problem) {
    if (at == null || !at.equals(rejected)) {
      rejected = at;
      events.accept(new Event.Rejected(problem + "; still using the files read before"));
    }
  }

  private static String summary(Loaded l) {
    StringBuilder s = new StringBuilder();
    X509Certificate[] chain = l.chain();
    if (chain != null) {
      s.append("certificate '").append(chain[0].getSubjectX500Principal().getName())
          .append("' valid until ").append(chain[0].getNotAfter().toInstant());
    }
    X509Certificate[] roots = l.roots();
    if (roots != null) {
      s.append(s.isEmpty() ? "" : ", ").append(roots.length).append(" trusted CA certificate")
          .append(roots.length == 1 ? "" : "s");
    }
    return s.toString();
  }

  private void warnIfExpiring() {
    X509Certificate leaf = current;
    if (leaf != null) {
      Instant notAfter = leaf.getNotAfter().toInstant();
      if (Instant.now().plus(EXPIRY_WARNING).isAfter(notAfter)) {
        events.accept(new Event.Expiring(leaf.getSubjectX500Principal().getName(), notAfter));
      }
    }
  }

  private List<Stamp> stamps() throws IOException {
    List<Stamp> out = new ArrayList<>(3);
    for (Path p : new Path[] {cert, key, ca}) {
      if (p != null) {
        try {
          out.add(new Stamp(Files.getLastModifiedTime(p).toMillis(), Files.size(p)));
        } catch (NoSuchFileException e) {
          throw new IOException(p + ": no such file", e);
        }
      }
    }
    return out;
  }

  private Loaded load() throws IOException {
    X509Certificate[] chain = null;
    PrivateKey pk = null;
    X509Certificate[] roots = null;
    if (cert != null && key != null) {
      chain = certificates(cert, "TLS certificate");
      pk = privateKey(key);
      if (!matches(pk, chain[0].getPublicKey())) {
        throw new IOException("TLS key " + key + " does not belong to the certificate " + cert
            + " ('" + chain[0].getSubjectX500Principal().getName() + "')");
      }
    }
    if (ca != null) {
      roots = certificates(ca, "CA certificate");
    }
    return new Loaded(chain, pk, roots);
  }

  private static X509Certificate[] certificates(Path p, String what) throws IOException {
    byte[] pem = read(p, what);
    X509Certificate[] certs;
    try (InputStream in = new java.io.ByteArrayInputStream(pem)) {
      certs = CertificateUtils.getX509Certificates(in);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException(what + " " + p + ": not a PEM certificate (" + e.getMessage() + ")", e);
    }
    if (certs.length == 0) {
      throw new IOException(what + " " + p + ": no '-----BEGIN CERTIFICATE-----' block in it");
    }
    return certs;
  }

  private static PrivateKey privateKey(Path p) throws IOException {
    byte[] pem = read(p, "TLS key");
    String text = new String(pem, java.nio.charset.StandardCharsets.US_ASCII);
    if (text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED")) {
      throw new IOException("TLS key " + p + " is encrypted; give an unencrypted PKCS#8 key"
          + " (openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8) and protect it with file"
          + " permissions");
    }
    if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
      throw new IOException("TLS key " + p + ": not a PKCS#8 PEM key ('-----BEGIN PRIVATE"
          + " KEY-----'); convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
    }
    try (InputStream in = new java.io.ByteArrayInputStream(pem)) {
      return CertificateUtils.getPrivateKey(in);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException("TLS key " + p + ": cannot be read as an RSA or EC key ("
          + e.getMessage() + ")", e);
    }
  }

  private static byte[] read(Path p, String what) throws IOException {
    try {
      return Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      throw new IOException(what + " " + p + ": no such file", e);
    } catch (IOException e) {
      throw new IOException(what + " " + p + ": cannot be read (" + e.getMessage() + ")", e);
    }
  }

  /** Whether {@code key} is the private half of {@code pub}: a signature made with one verifies. */
  static boolean matches(PrivateKey key, PublicKey pub) {
    String alg = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> "";
    };
    if (alg.isEmpty() || !key.getAlgorithm().equals(pub.getAlgorithm())) {
      return alg.isEmpty(); // an unusual algorithm: let the handshake judge
    }
    try {
      byte[] data = new byte[32];
      new SecureRandom().nextBytes(data);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(data);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(pub);
      v.update(data);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * The server's check of client certificates, reporting refusals: the client only learns that
   * the handshake failed, so the coordinator's log must say why.
   */
  private final class ReportingTrustManager extends X509ExtendedTrustManager {
    private final AtomicLong lastReportNanos = new AtomicLong(System.nanoTime() - 2_000_000_000L);
    private final AtomicLong unreported = new AtomicLong();

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      try {
        trustManager.checkClientTrusted(chain, authType, socket);
      } catch (CertificateException e) {
        refused(String.valueOf(socket.getRemoteSocketAddress()), chain, e);
        throw e;
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      try {
        trustManager.checkClientTrusted(chain, authType, engine);
      } catch (CertificateException e) {
        refused(engine.getPeerHost() + ":" + engine.getPeerPort(), chain, e);
        throw e;
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      try {
        trustManager.checkClientTrusted(chain, authType);
      } catch (CertificateException e) {
        refused("unknown", chain, e);
        throw e;
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      trustManager.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      trustManager.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      trustManager.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return trustManager.getAcceptedIssuers();
    }

    private void refused(String peer, X509Certificate[] chain, CertificateException e) {
      long now = System.nanoTime();
      long last = lastReportNanos.get();
      if (now - last >= 1_000_000_000L && lastReportNanos.compareAndSet(last, now)) {
        String subject = chain.length > 0 ? chain[0].getSubjectX500Principal().getName() : "none";
        String reason = e.getMessage() != null && e.getMessage().contains("certification path")
            ? "not signed by the client CA (--client-ca)" : String.valueOf(e.getMessage());
        events.accept(new Event.ClientRefused(peer, subject, reason, unreported.getAndSet(0)));
      } else {
        unreported.incrementAndGet();
      }
    }
  }

  /** Whether the trust comes from the system's roots (no CA file given). */
  public boolean trustsSystemRoots() {
    return trustsSystemRoots;
  }

  /** Stops watching the files. */
  @Override
  public synchronized void close() {
    if (reloader != null) {
      reloader.shutdownNow();
      reloader = null;
    }
  }
}
