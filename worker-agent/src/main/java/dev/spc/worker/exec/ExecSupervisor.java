package dev.spc.worker.exec;

import dev.spc.common.Log;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Runs one program as a supervised child: its own process group, stdin fed from the payload and
 * closed, stdout and stderr read continuously into a bounded tail, and on stop SIGTERM to the
 * whole group, then SIGKILL to the group.
 *
 * <p>Process group and reaping: the program runs under {@code tini -s -g} when tini is installed
 * (it puts the program in its own process group, forwards signals to the group, and as a
 * subreaper reaps every descendant, so nothing is left as a zombie even under an init that does
 * not reap); otherwise under {@code setsid}, which gives the group but leaves reaping of orphans
 * to the system's init.
 *
 * <p>Exit classification: the JDK reports a death by signal N as exit status 128+N, as shells do;
 * a status in 129..192 is read as that signal.
 */
public final class ExecSupervisor {
  private static final Log log = Log.get(ExecSupervisor.class);
  private static final @Nullable String TINI = findOnPath("tini");
  private static final @Nullable String SETSID = findOnPath("setsid");

  /** How a run ended. */
  @SuppressWarnings("ArrayRecordComponent") // the output tail as read; outcomes are not compared
  public record Outcome(int exitStatus, byte[] outputTail, long outputBytes, boolean stoppedByUs,
      byte[] stdoutTail, byte[] stderrTail) {
    public boolean succeeded() {
      return exitStatus == 0;
    }

    /** The signal that killed it, or 0. */
    public int signal() {
      return exitStatus > 128 && exitStatus <= 192 ? exitStatus - 128 : 0;
    }

    /** The exit code a job reports: the status, or 128+signal. */
    public String describe() {
      int sig = signal();
      return sig != 0 ? "killed by signal " + sig + " (" + signalName(sig) + ")"
          : "exited with code " + exitStatus;
    }
  }

  private final int tailBytes;

  public ExecSupervisor(int tailBytes) {
    this.tailBytes = tailBytes;
  }

  /** Whether tini is available to reap orphans. */
  public static boolean reapsOrphans() {
    return TINI != null;
  }

  /**
   * Runs {@code argv} to the end. {@code stopRequested} is polled: once true the group gets
   * SIGTERM; {@link Running#forceStop()} sends SIGKILL. Returns when the program has exited and
   * its output has been read.
   */
  public Running start(List<String> argv, Map<String, String> env, String cwd, byte[] stdin)
      throws IOException {
    return start(argv, env, cwd, stdin, line -> {});
  }

  /** Like {@link #start(List, Map, String, byte[])}, handing every output line to {@code lines}. */
  public Running start(List<String> argv, Map<String, String> env, String cwd, byte[] stdin,
      java.util.function.Consumer<String> lines) throws IOException {
    return start(argv, env, cwd, stdin, (stderr, line) -> lines.accept(line));
  }

  /** Where a program's output lines go: {@code stderr} says which stream a line came from. */
  public interface Lines {
    void line(boolean stderr, String line);
  }

  /** Like {@link #start(List, Map, String, byte[])}, handing every output line to {@code lines}. */
  public Running start(List<String> argv, Map<String, String> env, String cwd, byte[] stdin,
      Lines lines) throws IOException {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("exec: args must hold the program and its arguments, got none");
    }
    List<String> cmd = new ArrayList<>();
    if (TINI != null) {
      cmd.addAll(List.of(TINI, "-s", "-g", "--"));
    } else if (SETSID != null) {
      cmd.add(SETSID);
    }
    cmd.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    if (!cwd.isEmpty()) {
      File dir = new File(cwd);
      if (!dir.isDirectory()) {
        throw new IllegalArgumentException("exec: cwd '" + cwd + "' is not a directory");
      }
      pb.directory(dir);
    }
    Process p = pb.start();
    return new Running(p, stdin, tailBytes, lines);
  }

  /** A started program. */
  public static final class Running {
    private final Process process;
    private final TailBuffer tail;
    private final TailBuffer outTail;
    private final TailBuffer errTail;
    private final Thread pump;
    private final Thread errPump;
    private volatile boolean termSent;
    private volatile boolean killSent;
    private volatile long killSentNanos;
    private volatile long group = -1;
    private final Lines lines;

    Running(Process process, byte[] stdin, int tailBytes, Lines lines) {
      this.process = process;
      this.lines = lines;
      this.tail = new TailBuffer(tailBytes);
      this.outTail = new TailBuffer(tailBytes);
      this.errTail = new TailBuffer(tailBytes);
      this.pump = Thread.ofPlatform().name("spc-exec-out-" + process.pid()).daemon(true)
          .start(() -> pump(process.getInputStream(), outTail, false));
      this.errPump = Thread.ofPlatform().name("spc-exec-err-" + process.pid()).daemon(true)
          .start(() -> pump(process.getErrorStream(), errTail, true));
      if (stdin.length == 0) {
        closeQuietly(process.getOutputStream());
      } else {
        Thread.ofPlatform().name("spc-exec-in-" + process.pid()).daemon(true).start(() -> {
          try (OutputStream in = process.getOutputStream()) {
            in.write(stdin);
          } catch (IOException e) {
            // the program exited or closed its stdin early: not our failure
          }
        });
      }
    }

    public long pid() {
      return process.pid();
    }

    /** Reads one of the program's streams into its own tail and the combined one, by lines. */
    private void pump(InputStream stream, TailBuffer own, boolean stderr) {
      byte[] buf = new byte[8192];
      java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
      try (InputStream out = stream) {
        for (int n; (n = out.read(buf)) >= 0; ) {
          tail.write(buf, 0, n);
          own.write(buf, 0, n);
          for (int i = 0; i < n; i++) {
            if (buf[i] == '\n') {
              lines.line(stderr, line.toString(java.nio.charset.StandardCharsets.UTF_8));
              line.reset();
            } else if (line.size() < 4096) {
              line.write(buf[i]);
            }
          }
        }
        if (line.size() > 0) {
          lines.line(stderr, line.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        // the pipe closed
      }
    }

    /**
     * A signal by name (HUP, INT, USR1, USR2, TERM) to the program's process group: through tini,
     * which forwards it to the group, or to the group itself.
     */
    public void sendSignal(String name) {
      if (process.isAlive()) {
        ExecSupervisor.signal(name, TINI != null ? Long.toString(process.pid()) : "-" + process.pid());
      }
    }

    /** SIGTERM to the program's process group (tini forwards it to the group). */
    public void terminate() {
      if (!termSent && process.isAlive()) {
        termSent = true;
        signal("TERM", TINI != null ? Long.toString(process.pid()) : "-" + process.pid());
      }
    }

    /**
     * SIGKILL to the program's process group. tini, left alive, reaps them and exits; only if it
     * has not after two seconds does it get a SIGKILL too ({@link #await}).
     */
    public void forceStop() {
      if (killSent) {
        return;
      }
      killSentNanos = System.nanoTime();
      killSent = true;
      long group = programGroup();
      if (group > 0) {
        signal("KILL", "-" + group);
      } else {
        signal("KILL", Long.toString(process.pid()));
      }
    }

    /** The process group of the program: tini's child's, or the setsid'd process's own. */
    private long programGroup() {
      if (group > 0) {
        return group;
      }
      if (TINI == null) {
        group = process.pid();
      } else {
        group = process.toHandle().children().findFirst().map(ProcessHandle::pid).orElse(-1L);
      }
      return group;
    }

    /**
     * Waits for the end, sending SIGTERM once {@code stopRequested} turns true. Interrupts are
     * absorbed: the program's end is what ends this.
     */
    public Outcome await(BooleanSupplier stopRequested) {
      boolean interrupted = false;
      programGroup(); // learn it while the program runs
      while (true) {
        if (group <= 0 && process.isAlive()) {
          programGroup();
        }
        if (stopRequested.getAsBoolean()) {
          terminate();
        }
        if (killSent && System.nanoTime() - killSentNanos > 2_000_000_000L && process.isAlive()) {
          signal("KILL", Long.toString(process.pid())); // the supervisor itself did not exit
        }
        try {
          if (process.waitFor(50, TimeUnit.MILLISECONDS)) {
            break;
          }
        } catch (InterruptedException e) {
          interrupted = true; // the stop request arrives as an interrupt too
        }
      }
      // Anything the program left running in its group goes with it.
      if (group > 0) {
        signal("KILL", "-" + group);
      }
      try {
        pump.join(5000);
        errPump.join(5000);
      } catch (InterruptedException e) {
        interrupted = true;
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return new Outcome(process.exitValue(), tail.snapshot(), tail.total(), termSent || killSent,
          outTail.snapshot(), errTail.snapshot());
    }
  }

  private static void signal(String sig, String target) {
    try {
      Process k = new ProcessBuilder("kill", "-" + sig, "--", target)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      k.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      log.warn("cannot send a signal", e, "signal", sig, "target", target);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(OutputStream s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing to close
    }
  }

  static @Nullable String findOnPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : (path + ":/usr/bin:/bin:/usr/sbin:/sbin").split(":", -1)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return Path.of(dir, name).toString();
      }
    }
    return null;
  }

  static String signalName(int sig) {
    return switch (sig) {
      case 1 -> "SIGHUP";
      case 2 -> "SIGINT";
      case 3 -> "SIGQUIT";
      case 4 -> "SIGILL";
      case 6 -> "SIGABRT";
      case 8 -> "SIGFPE";
      case 9 -> "SIGKILL";
      case 11 -> "SIGSEGV";
      case 13 -> "SIGPIPE";
      case 14 -> "SIGALRM";
      case 15 -> "SIGTERM";
      default -> "signal " + sig;
    };
  }
}
