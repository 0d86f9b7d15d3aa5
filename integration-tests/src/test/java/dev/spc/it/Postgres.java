package dev.spc.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for a test: Debian's binaries ({@code /usr/lib/postgresql/N/bin}),
 * {@code initdb} and {@code pg_ctl} run as the {@code postgres} user in a temporary directory, on a
 * free port, no systemd. Tests that need one are skipped, saying so, where PostgreSQL is not
 * installed ({@code .ci/run} installs it).
 */
final class Postgres implements AutoCloseable {
  final Path dir;
  final int port;
  private final Path bin;
  private final boolean asPostgres;
  private final String listen;

  private Postgres(Path dir, int port, Path bin, boolean asPostgres, String listen) {
    this.dir = dir;
    this.port = port;
    this.bin = bin;
    this.asPostgres = asPostgres;
    this.listen = listen;
  }

  /** Starts a fresh server listening on 127.0.0.1. */
  static Postgres start() throws Exception {
    return start("127.0.0.1");
  }

  /** Starts a fresh server listening on {@code listen} (comma-separated addresses, or *). */
  static Postgres start(String listen) throws Exception {
    Path bin = findBin();
    Assumptions.assumeTrue(bin != null,
        "skipped: PostgreSQL is not installed (apt-get install postgresql; .ci/run does)");
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "spc-pg-");
    if (root) {
      UserPrincipal pg = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
      Files.setOwner(dir, pg);
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Postgres p = new Postgres(dir, port, bin, root, listen);
    p.run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A",
        "trust", "-U", "postgres", "--no-sync"));
    p.startServer();
    return p;
  }

  private static Path findBin() throws IOException {
    Path base = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(base)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(base)) {
      return versions.map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString()
              .replaceAll("\\D", "0"))))
          .orElse(null);
    }
  }

  /** {@code jdbc:postgresql://HOST:PORT/postgres?user=postgres}. */
  String url(String host) {
    return "jdbc:postgresql://" + host + ":" + port + "/postgres?user=postgres";
  }

  String url() {
    return url("127.0.0.1");
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(url());
  }

  /** Starts the server again (after {@link #stop}), on the same port with the same data. */
  void startServer() throws IOException, InterruptedException {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w",
        "-l", dir.resolve("log").toString(), "-o", "-p " + port + " -k " + dir
            + " -c listen_addresses=" + listen + " -c fsync=on", "start"));
  }

  /** Stops the server now (immediate mode: like a crash, recovered at the next start). */
  void stop() throws IOException, InterruptedException {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w",
        "-m", "immediate", "stop"));
  }

  private void run(List<String> cmd) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(cmd);
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed:\n" + out);
    }
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (IOException | InterruptedException e) {
      // already stopped
    }
  }
}
