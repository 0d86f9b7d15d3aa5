package dev.spc.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Defaults for the options that say where and how to reach a coordinator, so scripts and shells
 * need not repeat them: a flag wins, then the environment ({@code SPC_COORDINATOR},
 * {@code SPC_TOKEN}, {@code SPC_TLS_CA}, {@code SPC_TLS_CERT}, {@code SPC_TLS_KEY},
 * {@code SPC_OUTPUT}), then the config file ({@code $XDG_CONFIG_HOME/spc/config}, else
 * {@code ~/.config/spc/config}, or {@code $SPC_CONFIG}) with lines such as
 * {@code coordinator = a:7070,b:7070}, then the built-in default.
 */
final class ConfigDefaults implements IDefaultValueProvider {
  /** The options that take defaults, by their name without dashes. */
  static final Set<String> KEYS = Set.of("coordinator", "token", "tls-ca", "tls-cert", "tls-key", "output");

  private final Map<String, String> env;
  private final @Nullable Path file;
  private @Nullable Properties config;

  ConfigDefaults(Map<String, String> env) {
    this.env = env;
    this.file = file(env);
  }

  /** The config file's path (whether or not it exists), or null when there is no home to look in. */
  static @Nullable Path file(Map<String, String> env) {
    String explicit = env.get("SPC_CONFIG");
    if (explicit != null && !explicit.isEmpty()) {
      return Path.of(explicit);
    }
    String xdg = env.get("XDG_CONFIG_HOME");
    if (xdg != null && !xdg.isEmpty()) {
      return Path.of(xdg, "spc", "config");
    }
    String home = env.get("HOME");
    return home == null || home.isEmpty() ? null : Path.of(home, ".config", "spc", "config");
  }

  @Override
  public @Nullable String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec o) || o.command() == null
        || o.command().userObject() instanceof ServerCommand) {
      return null; // the server's --tls-cert is its own certificate, not a client's
    }
    String key = o.longestName().replaceFirst("^--", "");
    if (!KEYS.contains(key)) {
      return null;
    }
    String fromEnv = env.get("SPC_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv;
    }
    String fromFile = config().getProperty(key);
    return fromFile == null || fromFile.isBlank() ? null : fromFile.strip();
  }

  /** Reads the config file now; a problem with it, in words, or null. */
  @Nullable String check() {
    try {
      config();
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** The config file's settings, read once; a key it should not have is a usage error. */
  private Properties config() {
    Properties p = config;
    if (p != null) {
      return p;
    }
    p = new Properties();
    Path f = file;
    if (f != null && Files.isRegularFile(f)) {
      try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException("cannot read the config file " + f + ": " + e.getMessage(), e);
      }
      for (String k : p.stringPropertyNames()) {
        if (!KEYS.contains(k)) {
          throw new IllegalArgumentException("the config file " + f + " has an unknown key '" + k
              + "'; it may set " + String.join(", ", KEYS.stream().sorted().toList()));
        }
      }
    }
    config = p;
    return p;
  }
}
