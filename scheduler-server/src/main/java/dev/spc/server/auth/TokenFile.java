package dev.spc.server.auth;

import dev.spc.common.Log;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The bearer tokens the coordinator accepts: one line per token with the SHA-256 of the token
 * (never the token itself) and the identity it stands for.
 *
 * <pre>
 * sha256=3f1a... role=submitter exec=no names=* label=nightly reports
 * </pre>
 *
 * <p>The file is read again when it changes (checked at most once a second), so tokens are added
 * and revoked without a restart; a file that no longer parses is reported and the last good one
 * kept. Presented tokens are hashed and compared with every entry in constant time.
 */
public final class TokenFile {
  private static final Log log = Log.get(TokenFile.class);
  private static final long CHECK_NANOS = 1_000_000_000L;

  @SuppressWarnings("ArrayRecordComponent") // compared with MessageDigest.isEqual, not equals
  private record Entry(byte[] hash, Identity identity) {}

  private record Loaded(List<Entry> entries, FileTime modified, long size) {}

  private final Path path;
  private final LongSupplier nanos;
  private volatile Loaded loaded;
  private volatile long checkedNanos;

  private TokenFile(Path path, Loaded loaded, LongSupplier nanos) {
    this.path = path;
    this.loaded = loaded;
    this.nanos = nanos;
    this.checkedNanos = nanos.getAsLong();
  }

  /** Reads the file; a problem names the file, the line and what is wrong. */
  public static TokenFile load(Path path) throws IOException {
    return load(path, System::nanoTime);
  }

  /** Like {@link #load(Path)}, judging "once a second" on this monotonic clock (tests). */
  static TokenFile load(Path path, LongSupplier nanos) throws IOException {
    return new TokenFile(path, read(path), nanos);
  }

  public Path path() {
    return path;
  }

  /** The identity a token stands for, or null if it is not one of the file's. */
  public @Nullable Identity identify(String token) {
    refreshIfChanged();
    byte[] presented = sha256(token);
    Identity found = null;
    for (Entry e : loaded.entries()) {
      if (MessageDigest.isEqual(e.hash(), presented) && found == null) {
        found = e.identity(); // keep comparing: the time taken does not depend on where
      }
    }
    return found;
  }

  private void refreshIfChanged() {
    long now = nanos.getAsLong();
    if (now - checkedNanos < CHECK_NANOS) {
      return;
    }
    checkedNanos = now;
    try {
      FileTime modified = Files.getLastModifiedTime(path);
      long size = Files.size(path);
      Loaded l = loaded;
      if (modified.equals(l.modified()) && size == l.size()) {
        return;
      }
      loaded = read(path);
      log.info("tokens file reloaded", "file", path, "tokens", loaded.entries().size());
    } catch (IOException e) {
      log.warn("tokens file not reloaded; keeping the last good one", "file", path,
          "error", String.valueOf(e.getMessage()));
    }
  }

  private static Loaded read(Path path) throws IOException {
    FileTime modified = Files.getLastModifiedTime(path);
    long size = Files.size(path);
    List<Entry> entries = new ArrayList<>();
    List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        entries.add(parse(line));
      } catch (IllegalArgumentException e) {
        throw new IOException(path + " line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return new Loaded(List.copyOf(entries), modified, size);
  }

  private static Entry parse(String line) {
    String hash = null;
    Role role = null;
    boolean exec = false;
    String names = null;
    String label = "";
    String rest = line;
    while (!rest.isEmpty()) {
      int eq = rest.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected key=value, got '" + rest + "'");
      }
      String key = rest.substring(0, eq);
      String value;
      if (key.equals("label")) {
        value = rest.substring(eq + 1);
        rest = "";
      } else {
        int sp = rest.indexOf(' ', eq);
        value = sp < 0 ? rest.substring(eq + 1) : rest.substring(eq + 1, sp);
        rest = sp < 0 ? "" : rest.substring(sp + 1).stripLeading();
      }
      switch (key) {
        case "sha256" -> hash = value;
        case "role" -> role = Role.parse(value);
        case "exec" -> exec = value.equals("yes") || value.equals("true");
        case "names" -> names = value.equals("*") ? null : value;
        case "label" -> label = value;
        default -> throw new IllegalArgumentException("unknown key '" + key + "'");
      }
    }
    if (hash == null || !hash.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits");
    }
    if (role == null) {
      throw new IllegalArgumentException("role is missing");
    }
    return new Entry(HexFormat.of().parseHex(hash), new Identity(
        label.isEmpty() ? "token " + hash.substring(0, 8) : label, role, exec, names));
  }

  /** A new random token (256 bits), to be shown once and stored only as its hash. */
  public static String newToken(SecureRandom random) {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return "spc_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** The line that makes {@code token} stand for {@code id}. */
  public static String line(String token, Identity id) {
    return "sha256=" + HexFormat.of().formatHex(sha256(token)) + " role=" + id.role().label()
        + " exec=" + (id.exec() ? "yes" : "no") + " names=" + (id.names() == null ? "*" : id.names())
        + (id.label().isEmpty() ? "" : " label=" + id.label());
  }

  static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
