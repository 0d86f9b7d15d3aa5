package dev.spc.cli;

import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small certificate authority for {@code spc certs}: EC P-256 keys, a self-signed CA, server
 * certificates naming their hosts, and client certificates whose subject carries SPC's grants
 * ({@code OU=spc-<role>}, {@code OU=spc-exec}).
 */
final class CertificateAuthority {
  private static final String SIGNATURE = "SHA256withECDSA";
  private final SecureRandom random = new SecureRandom();
  private final PrivateKey key;
  private final X509Certificate cert;

  /** A certificate and its key. */
  record Issued(X509Certificate cert, PrivateKey key) {
    /** Writes {@code name.pem} and {@code name-key.pem} (mode 600) into {@code dir}. */
    void write(Path dir, String name) throws IOException {
      writeCertificate(dir.resolve(name + ".pem"), cert);
      writeKey(dir.resolve(name + "-key.pem"), key);
    }
  }

  private CertificateAuthority(PrivateKey key, X509Certificate cert) {
    this.key = key;
    this.cert = cert;
  }

  X509Certificate certificate() {
    return cert;
  }

  PrivateKey privateKey() {
    return key;
  }

  /** A new self-signed CA. */
  static CertificateAuthority create(String name, Duration validity) throws GeneralSecurityException {
    KeyPair kp = newKeyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(new SecureRandom()),
          Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject,
          kp.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false,
              ext.createSubjectKeyIdentifier(kp.getPublic()));
      return new CertificateAuthority(kp.getPrivate(), sign(b, kp.getPrivate()));
    } catch (CertIOException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  /** The CA kept in {@code ca.pem} and {@code ca-key.pem} under {@code dir}. */
  static CertificateAuthority load(Path dir) throws IOException, GeneralSecurityException {
    Path certFile = dir.resolve("ca.pem");
    Path keyFile = dir.resolve("ca-key.pem");
    if (!Files.exists(certFile) || !Files.exists(keyFile)) {
      throw new IOException(dir + " holds no CA (ca.pem and ca-key.pem); make one with"
          + " 'spc certs init " + dir + " --hosts ...'");
    }
    try (InputStream c = Files.newInputStream(certFile); InputStream k = Files.newInputStream(keyFile)) {
      return new CertificateAuthority(CertificateUtils.getPrivateKey(k),
          CertificateUtils.getX509Certificates(c)[0]);
    }
  }

  /** A server certificate for these hosts (DNS names or IP addresses). */
  Issued server(String commonName, List<String> hosts, Duration validity)
      throws GeneralSecurityException {
    List<GeneralName> names = new ArrayList<>();
    for (String h : hosts) {
      names.add(isIpAddress(h) ? new GeneralName(GeneralName.iPAddress, h)
          : new GeneralName(GeneralName.dNSName, h));
    }
    return issue(new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build(),
        names, KeyPurposeId.id_kp_serverAuth, validity);
  }

  /**
   * A client certificate: {@code commonName} with {@code OU=spc-<role>} (and {@code OU=spc-exec});
   * a worker's name is its common name, repeated as a DNS SAN.
   */
  Issued client(String commonName, String role, boolean exec, Duration validity)
      throws GeneralSecurityException {
    X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.CN, commonName)
        .addRDN(BCStyle.OU, "spc-" + role);
    if (exec) {
      subject.addRDN(BCStyle.OU, "spc-exec");
    }
    List<GeneralName> names = new ArrayList<>();
    if (role.equals("worker")) {
      names.add(new GeneralName(GeneralName.dNSName, commonName));
    }
    return issue(subject.build(), names, KeyPurposeId.id_kp_clientAuth, validity);
  }

  private Issued issue(X500Name subject, List<GeneralName> sans, KeyPurposeId purpose,
      Duration validity) throws GeneralSecurityException {
    KeyPair kp = newKeyPair();
    Instant now = Instant.now();
    Instant notAfter = now.plus(validity);
    if (notAfter.isAfter(cert.getNotAfter().toInstant())) {
      notAfter = cert.getNotAfter().toInstant(); // never outlive the CA
    }
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(cert, serial(random),
          Date.from(now.minus(Duration.ofMinutes(5))), Date.from(notAfter), subject, kp.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
          .addExtension(Extension.subjectKeyIdentifier, false,
              ext.createSubjectKeyIdentifier(kp.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false,
              ext.createAuthorityKeyIdentifier(cert));
      if (!sans.isEmpty()) {
        b.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(sans.toArray(GeneralName[]::new)));
      }
      return new Issued(sign(b, key), kp.getPrivate());
    } catch (CertIOException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(127, random).add(BigInteger.ONE); // positive, at most 16 bytes
  }

  static boolean isIpAddress(String host) {
    if (host.contains(":")) {
      return true; // IPv6
    }
    if (!host.matches("[0-9.]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(host) != null;
    } catch (IOException e) {
      return false;
    }
  }

  static void writeCertificate(Path file, X509Certificate cert) throws IOException {
    try {
      Files.writeString(file, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** Writes an unencrypted PKCS#8 key, readable by its owner only. */
  static void writeKey(Path file, PrivateKey key) throws IOException {
    Files.deleteIfExists(file);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(file, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII,
        StandardOpenOption.TRUNCATE_EXISTING);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
