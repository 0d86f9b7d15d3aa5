package dev.spc.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthRulesTest {
  static final String SUBMIT = "spc.v1.JobService/SubmitJob";
  static final String GET = "spc.v1.JobService/GetJob";
  static final String STOP = "spc.v1.AdminService/StopWorker";
  static final String CONNECT = "spc.v1.WorkerService/Connect";
  static final String REFLECT = "grpc.reflection.v1.ServerReflection/ServerReflectionInfo";

  @Test
  void eachRoleIncludesTheOnesBelowIt_andWorkersOnlyConnect() {
    assertTrue(Role.READER.allows(GET));
    assertFalse(Role.READER.allows(SUBMIT));
    assertFalse(Role.READER.allows(CONNECT));
    assertTrue(Role.SUBMITTER.allows(SUBMIT));
    assertTrue(Role.SUBMITTER.allows("spc.v1.JobService/CancelJob"));
    assertFalse(Role.SUBMITTER.allows(STOP));
    assertTrue(Role.OPERATOR.allows(STOP));
    assertFalse(Role.OPERATOR.allows(CONNECT));
    assertTrue(Role.ADMIN.allows(STOP) && Role.ADMIN.allows(CONNECT));
    assertTrue(Role.WORKER.allows(CONNECT));
    assertFalse(Role.WORKER.allows(GET));
    for (Role r : Role.values()) {
      assertTrue(r.allows(REFLECT), r + " may look the API up");
    }
    assertEquals(Role.OPERATOR, Role.parse(" Operator "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Role.parse("root"));
    assertTrue(e.getMessage().contains("reader, submitter, operator, admin, worker"), e.getMessage());
  }

  @Test
  void workerNamePatterns_andTheExecPermission() {
    Identity gpu = new Identity("gpu pool", Role.WORKER, false, "gpu-*");
    assertTrue(gpu.mayRegister("gpu-1"));
    assertFalse(gpu.mayRegister("cpu-1"));
    assertFalse(gpu.mayRegister("xgpu-1"), "the pattern covers the whole name");
    assertTrue(new Identity("any", Role.WORKER, false, null).mayRegister("anything"));
    assertTrue(new Identity("w", Role.WORKER, false, "w?.a").mayRegister("w1.a"));
    assertFalse(new Identity("w", Role.WORKER, false, "w?.a").mayRegister("w1xa"), "a dot is a dot");
    Identity either = new Identity("w", Role.WORKER, false, "gpu-*,cpu-7");
    assertTrue(either.mayRegister("gpu-3") && either.mayRegister("cpu-7"));
    assertFalse(either.mayRegister("cpu-8") || either.mayRegister("xgpu-3"));
    assertFalse(new Identity("s", Role.SUBMITTER, false, null).mayExec());
    assertTrue(new Identity("s", Role.SUBMITTER, true, null).mayExec());
    assertTrue(new Identity("a", Role.ADMIN, false, null).mayExec());
  }

  @Test
  void aTokenIsKnownByItsHash_andOthersAreNot(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("tokens");
    String token = TokenFile.newToken(new SecureRandom());
    String line = TokenFile.line(token, new Identity("ci bot", Role.SUBMITTER, true, null));
    Files.writeString(f, "# comment\n\n" + line + "\n", StandardCharsets.UTF_8);
    assertFalse(line.contains(token));
    TokenFile t = TokenFile.load(f);
    Identity id = t.identify(token);
    assertEquals(new Identity("ci bot", Role.SUBMITTER, true, null), id);
    assertNull(t.identify(token + "x"));
    assertNull(t.identify(""));
  }

  @Test
  void aBadLine_isReportedWithItsNumber(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("tokens");
    Files.writeString(f, "sha256=" + "a".repeat(64) + " role=reader\nsha256=zz role=reader\n");
    IOException e = assertThrows(IOException.class, () -> TokenFile.load(f));
    assertTrue(e.getMessage().endsWith("line 2: sha256 must be 64 lowercase hex digits"), e.getMessage());
    Files.writeString(f, "sha256=" + "a".repeat(64) + " role=god\n");
    assertTrue(assertThrows(IOException.class, () -> TokenFile.load(f)).getMessage().contains("role must be"));
  }

  @Test
  void aChangedFileIsReadAgain_andABrokenOneKeepsTheLastGood(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("tokens");
    long[] now = {0};
    String first = TokenFile.newToken(new SecureRandom());
    String second = TokenFile.newToken(new SecureRandom());
    Files.writeString(f, TokenFile.line(first, new Identity("one", Role.READER, false, null)) + "\n");
    TokenFile t = TokenFile.load(f, () -> now[0]);
    Files.writeString(f, TokenFile.line(second, new Identity("two", Role.READER, false, null)) + "\n");
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
    now[0] += 900_000_000L;
    assertNull(t.identify(second), "checked at most once a second");
    assertEquals("one", t.identify(first).label());
    now[0] += 200_000_000L;
    assertEquals("two", t.identify(second).label());
    assertNull(t.identify(first), "revoked");
    Files.write(f, List.of("this is not a token line"));
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(10)));
    now[0] += 1_100_000_000L;
    assertEquals("two", t.identify(second).label(), "the last good file is kept");
  }
}
