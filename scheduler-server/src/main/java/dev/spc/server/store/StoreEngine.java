package dev.spc.server.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The engines a data directory can be kept in: {@code log} ({@link LogJobStore}, the default for
 * a new directory) and {@code sqlite} ({@link SqliteJobStore}). A directory keeps the engine it
 * was created with unless told otherwise, and naming the other engine for it is refused.
 */
public enum StoreEngine {
  LOG,
  SQLITE;

  /** The engine's name as the {@code --store-engine} option takes it. */
  public String optionName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The engine called {@code name} ({@code log}, {@code sqlite}), or an error naming both. */
  public static StoreEngine named(String name) {
    for (StoreEngine e : values()) {
      if (e.optionName().equals(name)) {
        return e;
      }
    }
    throw new IllegalArgumentException("--store-engine '" + name + "' is not a storage engine: use log or sqlite");
  }

  /** The engine {@code dir} already holds, or null if it holds neither. */
  public static @Nullable StoreEngine holding(Path dir) throws IOException {
    if (LogFiles.present(dir)) {
      return LOG;
    }
    return Files.exists(dir.resolve("spc.db")) ? SQLITE : null;
  }

  /**
   * Opens {@code dir} in {@code chosen}, or (null) in the engine it holds, {@code log} if it holds
   * none; refuses a directory that holds the other engine's files.
   */
  public static JobStore open(Path dir, @Nullable StoreEngine chosen) throws JobStore.StoreException {
    StoreEngine held;
    try {
      held = holding(dir);
    } catch (IOException e) {
      throw new JobStore.StoreException("cannot read the data directory " + dir + ": " + e.getMessage(), e);
    }
    if (chosen != null && held != null && chosen != held) {
      throw new JobStore.StoreException("--store-engine " + chosen.optionName() + ": the data directory " + dir
          + " holds a " + held.optionName() + " store; start with --store-engine " + held.optionName()
          + " or point --data-dir at another directory", null);
    }
    StoreEngine e = chosen != null ? chosen : held != null ? held : LOG;
    return e == SQLITE ? new SqliteJobStore(dir) : new LogJobStore(dir);
  }
}
