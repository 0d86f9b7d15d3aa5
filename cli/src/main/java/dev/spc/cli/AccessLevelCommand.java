package dev.spc.cli;

import dev.spc.client.AdminClient;
import dev.spc.client.SpcClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spc access-level LEVEL|open [--interrupt]}. */
@Command(name = "access-level", mixinStandardHelpOptions = true,
    description = {"Hold back every job with a priority below LEVEL (open: admit all again);",
        "with --interrupt, also cancel the running ones below it. Survives a restart."})
final class AccessLevelCommand implements Callable<Integer> {
  @Mixin
  Target target;

  @Parameters(index = "0", paramLabel = "LEVEL", description = "A priority, or 'open'.")
  String level;

  @Option(names = "--interrupt", description = "Cancel the running jobs below the level now.")
  boolean interrupt;

  @Override
  public Integer call() {
    int n;
    if (level.equalsIgnoreCase("open")) {
      n = AdminClient.OPEN;
    } else {
      try {
        n = Integer.parseInt(level);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("LEVEL must be a priority (an integer) or 'open', got '"
            + level + "'", e);
      }
    }
    try (SpcClient spc = target.connect()) {
      long stopped = spc.admin().setAccessLevel(n, interrupt);
      System.out.println(n == AdminClient.OPEN ? "access level open: every job may start"
          : "access level " + n + ": jobs with priority below " + n + " wait"
              + (interrupt ? "; " + stopped + " running jobs interrupted" : ""));
      return ExitCodes.OK;
    }
  }
}
