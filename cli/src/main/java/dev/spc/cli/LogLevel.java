package dev.spc.cli;

import dev.spc.logging.LogSetup;
import picocli.CommandLine.Option;

/** {@code --log-level}, for the long-running commands. */
final class LogLevel {
  @Option(names = "--log-level", description = "debug, info, warn or error (default: $SPC_LOG_LEVEL or info).")
  String level;

  /** Applies the option, if given (the environment was applied at start). */
  void apply() {
    if (level != null) {
      LogSetup.configure(LogSetup.parseLevel(level));
    }
  }
}
