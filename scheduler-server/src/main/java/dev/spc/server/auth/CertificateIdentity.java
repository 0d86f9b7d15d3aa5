package dev.spc.server.auth;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.jspecify.annotations.Nullable;

/**
 * Who a client certificate says its holder is. The subject's organizational units carry SPC's
 * grants, so that any CA can issue them ({@code -subj "/CN=w1/OU=spc-worker"}):
 *
 * <ul>
 *   <li>{@code OU=spc-reader}, {@code spc-submitter}, {@code spc-operator}, {@code spc-admin} or
 *       {@code spc-worker}: the role (exactly one);
 *   <li>{@code OU=spc-exec}: may submit {@code exec} jobs;
 *   <li>for a worker, the names it may register are the certificate's common name and its DNS
 *       subject alternative names, exactly (no patterns).
 * </ul>
 */
public final class CertificateIdentity {
  static final String PREFIX = "spc-";
  private static final String WORKER_NAME = "[A-Za-z0-9._:-]{1,128}";

  private CertificateIdentity() {}

  /** The identity, or why the certificate does not make one. */
  public sealed interface Result {}

  /** The certificate stands for this identity. */
  public record Found(Identity identity) implements Result {}

  /** The certificate is valid but grants nothing; {@code reason} says what it lacks. */
  public record NoRole(String reason) implements Result {}

  /** Reads the grants from a verified client certificate. */
  public static Result of(X509Certificate cert) {
    String subject = cert.getSubjectX500Principal().getName();
    String cn = null;
    Set<Role> roles = new LinkedHashSet<>();
    boolean exec = false;
    try {
      for (Rdn rdn : new LdapName(subject).getRdns()) {
        String type = rdn.getType().toUpperCase(Locale.ROOT);
        String value = String.valueOf(rdn.getValue());
        if (type.equals("CN")) {
          cn = value;
        } else if (type.equals("OU") && value.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
          String grant = value.substring(PREFIX.length());
          if (grant.equalsIgnoreCase("exec")) {
            exec = true;
          } else {
            try {
              roles.add(Role.parse(grant));
            } catch (IllegalArgumentException e) {
              return new NoRole("certificate '" + subject + "' has OU=" + value
                  + ", which is not an SPC grant (spc-reader, spc-submitter, spc-operator,"
                  + " spc-admin, spc-worker, spc-exec)");
            }
          }
        }
      }
    } catch (InvalidNameException e) {
      return new NoRole("certificate subject '" + subject + "' cannot be read");
    }
    if (roles.isEmpty()) {
      return new NoRole("certificate '" + subject + "' grants no SPC role: its subject needs"
          + " OU=spc-<role> (reader, submitter, operator, admin or worker); spc certs init makes"
          + " such certificates");
    }
    if (roles.size() > 1) {
      return new NoRole("certificate '" + subject + "' names " + roles.size()
          + " roles; it must name exactly one");
    }
    Role role = roles.iterator().next();
    String names = null;
    if (role == Role.WORKER) {
      List<String> allowed = new ArrayList<>();
      if (cn != null && cn.matches(WORKER_NAME)) {
        allowed.add(cn);
      }
      for (String dns : dnsNames(cert)) {
        if (dns.matches(WORKER_NAME) && !allowed.contains(dns)) {
          allowed.add(dns);
        }
      }
      if (allowed.isEmpty()) {
        return new NoRole("worker certificate '" + subject + "' names no worker: its CN or a DNS"
            + " subject alternative name must be the worker's name");
      }
      names = String.join(",", allowed); // worker names hold no glob characters
    }
    return new Found(new Identity("certificate " + (cn != null ? "CN=" + cn : subject), role, exec,
        names));
  }

  private static List<String> dnsNames(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() >= 2 && Integer.valueOf(2).equals(san.get(0))) { // dNSName
            out.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // no usable SANs: the common name alone names the worker
    }
    return out;
  }

  /** The verified leaf certificate of a TLS peer, if it presented one. */
  static @Nullable X509Certificate peer(javax.net.ssl.@Nullable SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      java.security.cert.Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
