package dev.spc.cli;

import java.io.Console;

/** Whether this process talks to a person at a terminal (progress bars, colours) or to a pipe. */
final class Terminal {
  private Terminal() {}

  /**
   * On JDK 22 and newer {@link System#console()} returns a console even when output goes to a
   * pipe or file; {@code Console.isTerminal()} (JDK 22) tells. On JDK 21 a console exists only on
   * a terminal.
   */
  @SuppressWarnings("SystemConsoleNull") // null is still the answer on JDK 21
  static boolean isInteractive() {
    Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      return (boolean) Console.class.getMethod("isTerminal").invoke(c);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}
