package dev.spc.cli;

import dev.spc.client.JobStatus;
import dev.spc.client.WorkerInfo;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Plain-text output for the client commands. */
final class Format {
  private Format() {}

  static void outcome(PrintStream out, JobStatus s) {
    StringBuilder sb = new StringBuilder().append(s.id()).append(' ').append(s.describe());
    if (!s.error().isEmpty()) {
      sb.append(" error=\"").append(s.error()).append('"');
    }
    if (s.result().length > 0) {
      sb.append(" result=\"").append(printable(s.resultText(), 200)).append('"');
    }
    if (s.startedAt() != null && s.finishedAt() != null) {
      sb.append(" ran=").append(seconds(Duration.between(s.startedAt(), s.finishedAt())));
    }
    out.println(sb);
  }

  private static void tail(PrintStream out, String name, byte[] bytes) {
    if (bytes.length > 0) {
      out.println(name + " (last " + bytes.length + " bytes):");
      out.print(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
      if (bytes[bytes.length - 1] != '\n') {
        out.println();
      }
    }
  }

  static void details(PrintStream out, JobStatus s) {
    out.println("id:        " + s.id());
    out.println("state:     " + s.describe());
    if (s.spec() != null) {
      out.println("type:      " + s.spec().type());
      out.println("args:      " + String.join(" ", s.spec().args()));
      if (s.spec().priority() != 0) {
        out.println("priority:  " + s.spec().priority());
      }
      s.spec().maxSeconds().ifPresent(m -> out.println("max:       " + m + "s"));
      if (!s.spec().labels().isEmpty()) {
        out.println("labels:    " + s.spec().labels().entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue()).collect(java.util.stream.Collectors.joining(" ")));
      }
      if (!s.spec().concurrencyKey().isEmpty()) {
        out.println("key:       " + s.spec().concurrencyKey());
      }
      if (!s.spec().constraints().isEmpty()) {
        out.println("runs on:   " + s.spec().constraints().entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue()).collect(java.util.stream.Collectors.joining(" ")));
      }
    }
    for (dev.spc.client.DependencyOutcome d : s.dependencies()) {
      out.println("after:     " + d.id() + " " + d.reason().map(r -> "DONE(" + r + ")").orElse(d.state().toString())
          + (s.spec() != null && s.spec().onDependencyFailure() == dev.spc.client.DependencyFailure.RUN
              ? " (runs anyway)" : ""));
    }
    if (!s.pendingReason().isEmpty()) {
      out.println("pending:   " + s.pendingReason());
    }
    if (s.maxAttempts() > 1 || s.attempts().size() > 1) {
      out.println("attempt:   " + s.attempt() + " of " + s.maxAttempts());
      for (dev.spc.client.JobAttempt a : s.attempts()) {
        out.println("  #" + a.attempt() + " " + a.reason() + (a.worker().isEmpty() ? "" : " on " + a.worker())
            + (a.finishedAt() != null ? " at " + a.finishedAt() : "")
            + (a.exitCode().isPresent() ? " exit " + a.exitCode().getAsInt() : "")
            + (a.error().isEmpty() ? "" : ": " + printable(a.error(), 200)));
      }
    }
    if (s.nextAttemptAt() != null) {
      out.println("next:      " + s.nextAttemptAt());
    }
    s.rerunOf().ifPresent(o -> out.println("rerun of:  " + o));
    s.scheduleId().ifPresent(id -> out.println("schedule:  " + id + " (fire time " + s.scheduledFor() + ")"));
    s.progress().ifPresent(p -> out.println(String.format(java.util.Locale.ROOT,
        "progress:  %.0f%% %s", p * 100, s.progressMessage()).stripTrailing()));
    if (!s.worker().isEmpty()) {
      out.println("worker:    " + s.worker());
    }
    if (!s.error().isEmpty()) {
      out.println("error:     " + s.error());
    }
    s.exitCode().ifPresent(c -> out.println("exit code: " + c));
    if (s.result().length > 0) {
      out.println("result:    " + printable(s.resultText(), 2000));
    }
    if (s.stderrTail().length > 0) { // a process's streams apart; else the combined tail
      tail(out, "stdout", s.stdoutTail());
      tail(out, "stderr", s.stderrTail());
    } else {
      tail(out, "output", s.outputTail());
    }
    if (s.submittedAt() != null) {
      out.println("submitted: " + s.submittedAt());
    }
    if (s.startedAt() != null) {
      out.println("started:   " + s.startedAt());
    }
    if (s.finishedAt() != null) {
      out.println("finished:  " + s.finishedAt());
    }
  }

  static void jobTable(PrintStream out, List<JobStatus> jobs) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "STATE", "TYPE", "ARGS", "WORKER", "DETAIL"});
    for (JobStatus s : jobs) {
      rows.add(new String[] {s.id().value(), s.describe(), s.spec() == null ? "" : s.spec().type(),
          s.spec() == null ? "" : printable(String.join(" ", s.spec().args()), 30), s.worker(),
          printable(s.error().isEmpty() ? s.pendingReason() : s.error(), 60)});
    }
    table(out, rows);
  }

  static void workerTable(PrintStream out, List<WorkerInfo> workers) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "SLOTS", "RUNNING", "STUCK", "UNSENT", "TYPES", "HOST", "CONNECTED"});
    for (WorkerInfo w : workers) {
      rows.add(new String[] {w.name() + (w.draining() ? " (draining)" : ""), Integer.toString(w.slots()),
          Integer.toString(w.runningJobIds().size()), Integer.toString(w.stuckSlots()),
          Integer.toString(w.unsentLeases()),
          printable(String.join(",", w.jobTypes()), 40), w.host(),
          w.connectedAt() == null ? "" : seconds(Duration.between(w.connectedAt(), Instant.now())) + " ago"});
    }
    table(out, rows);
  }

  static void table(PrintStream out, List<String[]> rows) {
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        sb.append(r[i]);
        if (i < r.length - 1) {
          sb.append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      out.println(sb.toString().stripTrailing());
    }
  }

  static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }

  /** An instant ({@code 2026-12-24T18:00:00Z}) or a local date-time in this machine's zone. */
  static java.time.Instant parseTime(String text) {
    try {
      return java.time.Instant.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(text).toInstant();
      } catch (java.time.format.DateTimeParseException e2) {
        try {
          return java.time.LocalDateTime.parse(text).atZone(java.time.ZoneId.systemDefault()).toInstant();
        } catch (java.time.format.DateTimeParseException e3) {
          throw new IllegalArgumentException("not a time: '" + text + "' (use 2026-12-24T18:00:00Z,"
              + " 2026-12-24T19:00+01:00 or a local 2026-12-24T18:00)");
        }
      }
    }
  }

  static String printable(String s, int max) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && sb.length() < max; i++) {
      char c = s.charAt(i);
      sb.append(c < ' ' ? ' ' : c);
    }
    return s.length() > max ? sb + "..." : sb.toString();
  }
}
