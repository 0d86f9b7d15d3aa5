package dev.spc.cli;

import dev.spc.client.JobId;
import dev.spc.client.Limits;
import dev.spc.client.SpcClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spc limit}, {@code spc rate} and {@code spc signal}: jobs that share keys, rates, signals. */
final class LimitCommands {
  private LimitCommands() {}

  @Command(name = "limit", mixinStandardHelpOptions = true,
      description = {"Set how many jobs with a concurrency key (submit --key) run at once across all",
          "workers (1, a mutex, unless set); without arguments, list the limits and what they hold."})
  static final class Limit implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", arity = "0..1", paramLabel = "KEY", description = "The concurrency key.")
    String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "N", description = "Jobs with the key running at once, 1-100000.")
    Integer limit;

    @Override
    public Integer call() {
      try (SpcClient spc = target.connect()) {
        if (key == null) {
          Limits all = spc.admin().limits();
          System.out.printf("%-32s %7s %8s %8s%n", "KEY", "LIMIT", "RUNNING", "WAITING");
          for (Limits.Concurrency c : all.concurrency()) {
            System.out.printf("%-32s %7d %8d %8d%n", c.key(), c.limit(), c.running(), c.waiting());
          }
          System.out.printf("%n%-32s %10s %7s %8s%n", "TYPE", "PER_SECOND", "BURST", "TOKENS");
          for (Limits.Rate r : all.rates()) {
            System.out.printf("%-32s %10s %7d %8.1f%n", r.type(), r.perSecond(), r.burst(), r.tokens());
          }
          return ExitCodes.OK;
        }
        if (limit == null) {
          throw new IllegalArgumentException("give the limit: limit KEY N");
        }
        Limits.Concurrency c = spc.admin().setConcurrencyLimit(key, limit);
        System.out.println("key " + c.key() + ": at most " + c.limit() + " running at once");
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "rate", mixinStandardHelpOptions = true,
      description = {"Limit how fast jobs of a type start, across all workers: rate TYPE 50/s",
          "(a token bucket; --burst starts allowed at once). 'rate TYPE off' removes the limit."})
  static final class Rate implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", paramLabel = "TYPE", description = "The job type.")
    String type;

    @Parameters(index = "1", paramLabel = "RATE", description = "Starts a second, like 50/s, 0.5/s or 600/m; or off.")
    String rate;

    @Option(names = "--burst", description = "Starts allowed at once after a quiet spell (default: the rate per second, rounded up).")
    int burst;

    @Override
    public Integer call() {
      try (SpcClient spc = target.connect()) {
        if (rate.equalsIgnoreCase("off")) {
          spc.admin().removeRateLimit(type);
          System.out.println("type " + type + ": no rate limit");
          return ExitCodes.OK;
        }
        Limits.Rate r = spc.admin().setRateLimit(type, perSecond(rate), burst);
        System.out.println("type " + type + ": at most " + r.perSecond() + " starts/s, burst " + r.burst());
        return ExitCodes.OK;
      }
    }

    static double perSecond(String rate) {
      String[] parts = rate.split("/", -1);
      double per = switch (parts.length == 2 ? parts[1] : "") {
        case "s" -> 1;
        case "m" -> 60;
        case "h" -> 3600;
        default -> throw new IllegalArgumentException("RATE must be N/s, N/m or N/h (or off), got '" + rate + "'");
      };
      try {
        return Double.parseDouble(parts[0]) / per;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("RATE must be N/s, N/m or N/h (or off), got '" + rate + "'", e);
      }
    }
  }

  @Command(name = "signal", mixinStandardHelpOptions = true,
      description = {"Send a signal to a running job: HUP, INT, USR1, USR2 or TERM to an exec job's",
          "process group; any name (with --payload) to a Java handler's ctx.onSignal."})
  static final class Signal implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", paramLabel = "ID", description = "The job.")
    String id;

    @Parameters(index = "1", paramLabel = "SIGNAL", description = "HUP, INT, USR1, USR2, TERM, or a name for a handler.")
    String signal;

    @Option(names = "--payload", description = "Text handed to a Java handler with the signal.")
    String payload = "";

    @Override
    public Integer call() {
      try (SpcClient spc = target.connect()) {
        String worker = spc.signal(JobId.of(id), signal, payload.getBytes(StandardCharsets.UTF_8));
        System.out.println("sent " + signal + " to " + id + " on " + worker);
        return ExitCodes.OK;
      }
    }
  }
}
