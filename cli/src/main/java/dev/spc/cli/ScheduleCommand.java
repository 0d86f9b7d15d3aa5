package dev.spc.cli;

import dev.spc.client.JobSpec;
import dev.spc.client.Schedule;
import dev.spc.client.ScheduleClient;
import dev.spc.client.ScheduleSpec;
import dev.spc.client.SpcClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spc schedule create|update|list|get|pause|resume|trigger|delete}. */
@Command(name = "schedule", mixinStandardHelpOptions = true,
    description = "Jobs on a calendar (cron) or at an interval.",
    subcommands = {ScheduleCommand.Create.class, ScheduleCommand.Update.class, ScheduleCommand.ListCmd.class,
        ScheduleCommand.Get.class, ScheduleCommand.Pause.class, ScheduleCommand.Resume.class,
        ScheduleCommand.Trigger.class, ScheduleCommand.Delete.class})
final class ScheduleCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new IllegalArgumentException("say what to do: schedule create|update|list|get|pause|resume|"
        + "trigger|delete (spc schedule --help)");
  }

  /** What create and update share: when, the job, the policies. */
  abstract static class Put implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", description = "The schedule's id: 1-128 characters of [A-Za-z0-9._:-].")
    String id;

    @Parameters(index = "1", paramLabel = "TYPE", description = "The job type each fire submits.")
    String type;

    @Parameters(index = "2..*", paramLabel = "ARGS", description = "Its arguments.")
    List<String> args = new ArrayList<>();

    @Option(names = "--cron", description = "Fire on this calendar: 5 fields (minute hour day-of-month"
        + " month day-of-week), or 6 with seconds first; e.g. '*/5 * * * *'.")
    @Nullable String cron;

    @Option(names = "--every", description = "Fire at this interval instead, e.g. 30s, 1h.")
    @Nullable Duration every;

    @Option(names = "--tz", description = "IANA time zone the cron is read in, e.g. Europe/Copenhagen (default UTC).")
    String tz = "";

    @Option(names = "--overlap", description = "While the previous job is not done: skip (default),"
        + " allow, cancel (the previous), buffer (one fire).")
    ScheduleSpec.Overlap overlap = ScheduleSpec.Overlap.SKIP;

    @Option(names = "--catchup", description = "Fires missed while the coordinator was down: skip"
        + " (default), once, all (up to --catchup-limit).")
    ScheduleSpec.Catchup catchup = ScheduleSpec.Catchup.SKIP;

    @Option(names = "--catchup-limit", description = "With --catchup all: at most this many (default 10).")
    int catchupLimit;

    @Option(names = "--paused", description = "Create it paused.")
    boolean paused;

    @Option(names = "--max-seconds", description = "Run time allowed to each job once started.")
    @Nullable Integer maxSeconds;

    @Option(names = "--priority", description = "Priority of each job.")
    int priority;

    @Option(names = "--retries", description = "Retry a crashed or timed-out attempt up to N times.")
    @Nullable Integer retries;

    @Option(names = "--expire-after", description = "A job not started within this long ends EXPIRED.")
    @Nullable Duration expireAfter;

    ScheduleSpec spec() {
      if ((cron == null) == (every == null)) {
        throw new IllegalArgumentException("give --cron or --every (one of them)");
      }
      JobSpec.Builder job = JobSpec.newBuilder(type).args(args).priority(priority);
      if (maxSeconds != null) {
        job.maxSeconds(maxSeconds);
      }
      if (retries != null) {
        if (retries < 0) {
          throw new IllegalArgumentException("--retries must not be negative, got " + retries);
        }
        job.retry(dev.spc.client.RetryPolicy.attempts(retries + 1).build());
      }
      if (expireAfter != null) {
        job.expireAfter(expireAfter);
      }
      ScheduleSpec.Builder b = cron != null ? ScheduleSpec.cron(id, cron).timeZone(tz)
          : ScheduleSpec.every(id, java.util.Objects.requireNonNull(every));
      if (every != null && !tz.isEmpty()) {
        throw new IllegalArgumentException("--tz goes with --cron; an interval does not need one");
      }
      return b.job(job.build()).overlap(overlap).catchup(catchup).catchupLimit(catchupLimit)
          .paused(paused).build();
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create a schedule; each fire submits a job.",
          "  spc schedule create nightly --cron '30 2 * * *' --tz Europe/Copenhagen -- exec /usr/bin/backup",
          "  spc schedule create tick --every 5s -- echo tick"})
  static final class Create extends Put {
    @Override
    public Integer call() {
      try (SpcClient spc = target.connect()) {
        details(System.out, spc.schedules().create(spec()));
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      description = "Replace a schedule (same options as create); its fire times go on from now.")
  static final class Update extends Put {
    @Override
    public Integer call() {
      try (SpcClient spc = target.connect()) {
        details(System.out, spc.schedules().update(spec()));
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the schedules.")
  static final class ListCmd implements Callable<Integer> {
    @Mixin
    Target target;

    @Override
    public Integer call() {
      try (SpcClient spc = target.connect()) {
        table(System.out, spc.schedules().list());
        return ExitCodes.OK;
      }
    }
  }

  /** A command on one schedule by id. */
  abstract static class One implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", description = "The schedule's id.")
    String id;

    abstract void run(ScheduleClient schedules);

    @Override
    public Integer call() {
      try (SpcClient spc = target.connect()) {
        run(spc.schedules());
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a schedule and its next fire times.")
  static final class Get extends One {
    @Override
    void run(ScheduleClient schedules) {
      details(System.out, schedules.get(id));
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a schedule.")
  static final class Pause extends One {
    @Override
    void run(ScheduleClient schedules) {
      schedules.pause(id);
      System.out.println(id + " paused");
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = "Resume a schedule from now (what came due while paused is not made up).")
  static final class Resume extends One {
    @Override
    void run(ScheduleClient schedules) {
      Schedule s = schedules.resume(id);
      System.out.println(id + " resumed" + (s.nextFireTimes().isEmpty() ? ""
          : "; next fire " + s.nextFireTimes().get(0)));
    }
  }

  @Command(name = "trigger", mixinStandardHelpOptions = true,
      description = "Submit the schedule's job now, whatever its state; prints the job's id.")
  static final class Trigger extends One {
    @Override
    void run(ScheduleClient schedules) {
      System.out.println(schedules.trigger(id));
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete a schedule; jobs it made are left alone.")
  static final class Delete extends One {
    @Override
    void run(ScheduleClient schedules) {
      schedules.delete(id);
      System.out.println(id + " deleted");
    }
  }

  static void details(PrintStream out, Schedule s) {
    out.println("id:        " + s.id());
    out.println("when:      " + s.describe() + (s.paused() ? " (paused)" : ""));
    out.println("job:       " + s.job().type() + (s.job().args().isEmpty() ? "" : " " + String.join(" ", s.job().args())));
    out.println("overlap:   " + s.overlap().name().toLowerCase(Locale.ROOT));
    out.println("catchup:   " + s.catchup().name().toLowerCase(Locale.ROOT)
        + (s.catchup() == ScheduleSpec.Catchup.ALL ? " (limit " + (s.catchupLimit() == 0 ? 10 : s.catchupLimit()) + ")" : ""));
    s.lastJobId().ifPresent(j -> out.println("last job:  " + j + (s.lastFireTime() != null ? " (fire time "
        + s.lastFireTime() + ")" : "")));
    if (s.bufferedFireTime() != null) {
      out.println("buffered:  " + s.bufferedFireTime());
    }
    out.println("fired:     " + s.firesTotal() + " jobs, " + s.skipsTotal() + " skipped (since the coordinator started)");
    for (int i = 0; i < s.nextFireTimes().size(); i++) {
      out.println((i == 0 ? "next:      " : "           ") + s.nextFireTimes().get(i));
    }
  }

  static void table(PrintStream out, List<Schedule> schedules) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "WHEN", "JOB", "STATE", "NEXT", "LAST JOB"});
    for (Schedule s : schedules) {
      rows.add(new String[] {s.id(), s.describe(), s.job().type(), s.paused() ? "paused" : "active",
          s.nextFireTimes().isEmpty() ? "-" : s.nextFireTimes().get(0).toString(),
          s.lastJobId().map(Object::toString).orElse("-")});
    }
    Format.table(out, rows);
  }
}
