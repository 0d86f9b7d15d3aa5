package dev.spc.cli.local;

import dev.spc.common.FileTrees;
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
import org.jspecify.annotations.Nullable;

/**
 * A throwaway PostgreSQL server for local clusters (the HA demo, the failover benchmark, tests):
 * the installed binaries ({@code /usr/lib/postgresql/N/bin}), {@code initdb} and {@code pg_ctl}
 * run as the {@code postgres} user when this process is root, in a temporary directory, on a free
 * port, no systemd.
 */
public final class LocalPostgres implements AutoCloseable {
  /** What to tell someone who has no PostgreSQL. */
  public static final String INSTALL_HINT = "PostgreSQL is not installed: apt-get install"
      + " postgresql (Debian, Ubuntu), or give --store a jdbc:postgresql:// URL of your own";

  private final Path dir;
  private final int port;
  private final Path bin;
  private final boolean asPostgres;
  private final String listen;

  private LocalPostgres(Path dir, int port, Path bin, boolean asPostgres, String listen) {
    this.dir = dir;
    this.port = port;
    this.bin = bin;
    this.asPostgres = asPostgres;
    this.listen = listen;
  }

  /** Whether PostgreSQL's server binaries are installed here. */
  public static boolean installed() throws IOException {
    return findBin() != null;
  }

  /** Starts a fresh server listening on 127.0.0.1. */
  public static LocalPostgres start() throws IOException, InterruptedException {
    return start("127.0.0.1");
  }

  /** Starts a fresh server listening on {@code listen} (comma-separated addresses, or *). */
  public static LocalPostgres start(String listen) throws IOException, InterruptedException {
    Path bin = findBin();
    if (bin == null) {
      throw new IOException(INSTALL_HINT);
    }
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
    LocalPostgres p = new LocalPostgres(dir, port, bin, root, listen);
    p.run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A",
        "trust", "-U", "postgres", "--no-sync"));
    if (!listen.equals("127.0.0.1")) {
      // A throwaway server for local tests: other local network namespaces may connect too.
      Files.writeString(dir.resolve("data/pg_hba.conf"), "host all all 0.0.0.0/0 trust\n",
          StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }
    p.startServer();
    return p;
  }

  private static @Nullable Path findBin() throws IOException {
    Path base = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(base)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(base)) {
      return versions.filter(v -> Files.isExecutable(v.resolve("bin/pg_ctl")))
          .max(Comparator.comparingInt(v -> Integer.parseInt("0" + v.getFileName().toString()
              .replaceAll("\\D", ""))))
          .map(v -> v.resolve("bin"))
          .orElse(null);
    }
  }

  /** {@code jdbc:postgresql://HOST:PORT/postgres?user=postgres}. */
  public String url(String host) {
    return "jdbc:postgresql://" + host + ":" + port + "/postgres?user=postgres";
  }

  public String url() {
    return url("127.0.0.1");
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url());
  }

  /** Starts the server again (after {@link #stop}), on the same port with the same data. */
  public void startServer() throws IOException, InterruptedException {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w",
        "-l", dir.resolve("log").toString(), "-o", "-p " + port + " -k " + dir
            + " -c listen_addresses=" + listen + " -c fsync=on", "start"));
  }

  /** Stops the server now (immediate mode: like a crash, recovered at the next start). */
  public void stop() throws IOException, InterruptedException {
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

  public int port() {
    return port;
  }

  /** Stops the server and deletes its files. */
  @Override
  public void close() {
    try {
      stop();
    } catch (IOException e) {
      // already stopped
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      FileTrees.delete(dir);
    } catch (IOException e) {
      // a temporary directory: the system cleans it eventually
    }
  }
}
