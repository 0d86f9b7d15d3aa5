package dev.spc.cli;

import dev.spc.client.SpcException;
import dev.spc.logging.LogSetup;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code spc}: every SPC process and client command behind one entry point. */
@Command(name = "spc",
    mixinStandardHelpOptions = true,
    version = "spc 0.1.0",
    description = "SPC, a distributed job scheduler: a coordinator leases jobs to worker agents.",
    subcommands = {
        DemoCommand.class,
        ServerCommand.class,
        WorkerCommand.class,
        ClientCommands.Submit.class,
        ClientCommands.Status.class,
        ClientCommands.Cancel.class,
        ClientCommands.Rerun.class,
        ClientCommands.Wait.class,
        ClientCommands.Logs.class,
        ClientCommands.Jobs.class,
        ClientCommands.Workers.class,
        ClientCommands.StopWorker.class,
        StatsCommand.class,
        ClientCommands.ClusterCommand.class,
        ScheduleCommand.class,
        AccessLevelCommand.class,
        LimitCommands.Limit.class,
        LimitCommands.Rate.class,
        LimitCommands.Signal.class,
        TokenCommand.class,
        CertsCommand.class,
        CompletionCommand.class,
    },
    footerHeading = "%nExit codes:%n",
    footer = {
        "  0   success (for waits: the job ended DONE)",
        "  1   the coordinator failed or could not be reached",
        "  2   bad usage or input refused (INVALID_ARGUMENT)",
        "  3   unknown job or worker",
        "  4   a wait ran out of time",
        "  5   credentials missing or refused (UNAUTHENTICATED, PERMISSION_DENIED)",
        "  10  job CRASHED, 11 job TIMEOUT, 12 job CANCELLED",
    })
public final class Main {
  public static void main(String[] args) {
    LogSetup.fromEnvironment();
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code. */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.registerConverter(java.time.Duration.class, new DurationConverter());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    ConfigDefaults defaults = new ConfigDefaults(System.getenv());
    String badConfig = defaults.check();
    if (badConfig != null) {
      cl.getErr().println("spc: " + badConfig);
      return ExitCodes.USAGE;
    }
    cl.setDefaultValueProvider(defaults);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof SpcException s) {
        cmd.getErr().println("spc: " + s.getMessage());
        return ExitCodes.of(s);
      }
      if (e instanceof IllegalArgumentException) {
        cmd.getErr().println("spc: " + e.getMessage());
        return ExitCodes.USAGE;
      }
      throw e;
    });
    return cl.execute(args);
  }
}
