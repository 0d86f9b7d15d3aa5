package dev.spc.it;

import dev.spc.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs the command line in this JVM against a coordinator, capturing its output and exit code. */
final class Cli {
  private Cli() {}

  record Run(int code, String out, String err) {}

  /** {@code bin/spc ARGS... --coordinator TARGET} (unless the arguments name one). */
  static Run run(String target, String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    if (!all.contains("--coordinator")) {
      int end = all.indexOf("--"); // options go before the job's own arguments
      all.addAll(end < 0 ? all.size() : end, List.of("--coordinator", target));
    }
    return alone(all.toArray(String[]::new));
  }

  /** {@code bin/spc ARGS...}, as they are. */
  static synchronized Run alone(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
