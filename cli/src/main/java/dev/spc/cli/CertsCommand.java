package dev.spc.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spc certs}: a CA and certificates for TLS and mutual TLS, for a quick start. */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = "Certificates for TLS and mutual TLS (a CA of your own, for a quick start;"
        + " README: Security shows the openssl equivalent).",
    subcommands = {CertsCommand.Init.class, CertsCommand.Issue.class})
final class CertsCommand implements Callable<Integer> {
  private static final String WORKER_NAME = "[A-Za-z0-9._:-]{1,128}";
  private static final Set<String> ROLES = Set.of("reader", "submitter", "operator", "admin", "worker");

  @Override
  public Integer call() {
    System.err.println("spc certs: say what to do: spc certs init --help, spc certs issue --help");
    return ExitCodes.USAGE;
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Make a CA and, signed by it: a server certificate for the given hosts,"
          + " an admin client certificate and one certificate per worker.",
          "Files: ca.pem, ca-key.pem, server.pem, server-key.pem, client.pem, client-key.pem,"
              + " worker-NAME.pem, worker-NAME-key.pem (keys mode 600)."})
  static final class Init implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Directory to write (made if missing).")
    @Nullable Path dir;

    @Option(names = "--hosts", required = true, split = ",",
        description = "Names and addresses clients dial the coordinator by, comma-separated;"
            + " localhost and 127.0.0.1 are always added.")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--workers", split = ",", description = "Worker names to make certificates"
        + " for (default: worker).")
    List<String> workers = new ArrayList<>(List.of("worker"));

    @Option(names = "--days", description = "Validity of the certificates (default ${DEFAULT-VALUE}).")
    int days = 825;

    @Option(names = "--force", description = "Overwrite a CA already in DIR.")
    boolean force;

    @Override
    public Integer call() throws Exception {
      if (dir == null || days < 1 || days > 36500) {
        System.err.println("spc certs init: --days must be between 1 and 36500, got " + days);
        return ExitCodes.USAGE;
      }
      for (String w : workers) {
        if (!w.matches(WORKER_NAME)) {
          System.err.println("spc certs init: --workers: '" + w + "' is not a worker name"
              + " (1-128 characters of [A-Za-z0-9._:-])");
          return ExitCodes.USAGE;
        }
      }
      List<String> all = hostList(hosts);
      if (all == null) {
        return ExitCodes.USAGE;
      }
      if (Files.exists(dir.resolve("ca.pem")) && !force) {
        System.err.println("spc certs init: " + dir + " already holds a CA (ca.pem); use"
            + " 'spc certs issue' to add certificates, or --force to replace it");
        return ExitCodes.USAGE;
      }
      Files.createDirectories(dir);
      Duration validity = Duration.ofDays(days);
      CertificateAuthority ca = CertificateAuthority.create("SPC CA", validity.plusDays(1));
      CertificateAuthority.writeCertificate(dir.resolve("ca.pem"), ca.certificate());
      CertificateAuthority.writeKey(dir.resolve("ca-key.pem"), ca.privateKey());
      ca.server("spc coordinator", all, validity).write(dir, "server");
      ca.client("client", "admin", false, validity).write(dir, "client");
      for (String w : workers) {
        ca.client(w, "worker", false, validity).write(dir, "worker-" + w);
      }
      System.out.println("wrote " + dir + ": ca.pem (trust this), server.pem for "
          + String.join(",", all) + ", client.pem (admin), "
          + String.join(", ", workers.stream().map(w -> "worker-" + w + ".pem").toList())
          + "; keep the *-key.pem files secret");
      return ExitCodes.OK;
    }
  }

  /** The hosts given, plus localhost and 127.0.0.1; null (having said why) if one is not a host. */
  static @Nullable List<String> hostList(List<String> hosts) {
    Set<String> all = new LinkedHashSet<>();
    for (String h : hosts) {
      if (h.isBlank() || h.contains(" ") || h.contains("/")) {
        System.err.println("spc certs: --hosts: '" + h + "' is not a host name or address");
        return null;
      }
      all.add(h.strip().toLowerCase(Locale.ROOT));
    }
    all.add("localhost");
    all.add("127.0.0.1");
    return List.copyOf(all);
  }

  @Command(name = "issue", mixinStandardHelpOptions = true,
      description = {"Issue one more certificate signed by the CA in DIR: DIR/NAME.pem and"
          + " DIR/NAME-key.pem.",
          "With --role: a client or worker certificate. With --hosts: a server certificate (to"
              + " renew the coordinator's, or for another coordinator)."})
  static final class Issue implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Directory holding ca.pem and ca-key.pem.")
    @Nullable Path dir;

    @Option(names = "--name", required = true, description = "The certificate's common name; for"
        + " a worker, the worker name it may register.")
    String name = "";

    @Option(names = "--role", description = "reader, submitter, operator, admin or worker.")
    @Nullable String role;

    @Option(names = "--hosts", split = ",", description = "A server certificate for these names"
        + " and addresses (localhost and 127.0.0.1 are added).")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--exec", description = "May submit exec jobs.")
    boolean exec;

    @Option(names = "--out", description = "File name stem (default: NAME).")
    @Nullable String out;

    @Option(names = "--days", description = "Validity (default ${DEFAULT-VALUE}).")
    int days = 825;

    @Override
    public Integer call() throws Exception {
      if ((role == null) == hosts.isEmpty()) {
        System.err.println("spc certs issue: give --role (a client or worker certificate) or"
            + " --hosts (a server certificate), not both");
        return ExitCodes.USAGE;
      }
      String r = role == null ? "" : role.toLowerCase(Locale.ROOT);
      if (role != null && !ROLES.contains(r)) {
        System.err.println("spc certs issue: --role must be one of reader, submitter, operator,"
            + " admin, worker; got '" + role + "'");
        return ExitCodes.USAGE;
      }
      if (!name.matches(WORKER_NAME)) {
        System.err.println("spc certs issue: --name must be 1-128 characters of [A-Za-z0-9._:-],"
            + " got '" + name + "'");
        return ExitCodes.USAGE;
      }
      if (dir == null || days < 1 || days > 36500) {
        System.err.println("spc certs issue: --days must be between 1 and 36500, got " + days);
        return ExitCodes.USAGE;
      }
      CertificateAuthority ca;
      try {
        ca = CertificateAuthority.load(dir);
      } catch (java.io.IOException | GeneralSecurityException e) {
        System.err.println("spc certs issue: " + e.getMessage());
        return ExitCodes.FAILED;
      }
      String stem = out != null ? out : name;
      if (role == null) {
        List<String> all = hostList(hosts);
        if (all == null) {
          return ExitCodes.USAGE;
        }
        ca.server(name, all, Duration.ofDays(days)).write(dir, stem);
        System.out.println("wrote " + dir.resolve(stem + ".pem") + " and " + stem + "-key.pem"
            + " (server certificate for " + String.join(",", all) + ")");
        return ExitCodes.OK;
      }
      ca.client(name, r, exec, Duration.ofDays(days)).write(dir, stem);
      System.out.println("wrote " + dir.resolve(stem + ".pem") + " and " + stem + "-key.pem (CN="
          + name + ", role " + r + (exec ? ", exec" : "") + ")");
      return ExitCodes.OK;
    }
  }
}
