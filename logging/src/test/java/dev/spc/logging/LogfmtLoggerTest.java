package dev.spc.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogfmtLoggerTest {
  final Level before = LogfmtLogger.level();

  @AfterEach
  void restore() {
    LogfmtLogger.configure(before, System.err);
  }

  @Test
  void spcLinesFollowTheLevel_librariesStayQuiet() {
    LogfmtLogger.configure(Level.FINE, System.err);
    assertTrue(new LogfmtLogger("dev.spc.worker.internal.AgentSession").isDebugEnabled());
    LogfmtLogger netty = new LogfmtLogger("io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent0");
    assertFalse(netty.isDebugEnabled(), "no library debug noise when SPC debugs");
    assertTrue(netty.isInfoEnabled(), "gRPC's info lines at debug level, as before");
    LogfmtLogger other = new LogfmtLogger("org.sqlite.core.NativeDB");
    assertFalse(other.isInfoEnabled());
    assertTrue(other.isWarnEnabled());
    LogfmtLogger.configure(Level.INFO, System.err);
    assertFalse(netty.isInfoEnabled());
    assertTrue(netty.isWarnEnabled());
    LogfmtLogger.configure(Level.SEVERE, System.err);
    assertFalse(other.isWarnEnabled(), "never louder than SPC itself");
  }

  @Test
  void fluentKeyValuesBecomeLogfmtFields_underTheComponentOfTheirPackage() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LogfmtLogger.configure(Level.INFO, new PrintStream(out, true, StandardCharsets.UTF_8));
    new LogfmtLogger("dev.spc.server.loop.WorkerSessions").atInfo().setMessage("worker registered")
        .addKeyValue("worker", "w1").addKeyValue("slots", 4).log();
    String line = out.toString(StandardCharsets.UTF_8);
    assertTrue(line.contains(" level=info component=coordinator msg=\"worker registered\" worker=w1 slots=4"), line);
    assertEquals("agent", LogfmtLogger.component("dev.spc.worker.WorkerAgent"));
  }
}
