package dev.spc.worker.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spc.worker.Dependency;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An exec job's dependencies, as its environment and files describe them. */
class ExecHandlerDependenciesTest {
  @Test
  void eachDependency_hasItsIdOutcomeExitCodeAndAResultFile() throws Exception {
    Path dir = Files.createTempDirectory("spc-deps-test");
    Map<String, String> env = ExecHandler.dependencyEnv(List.of(
        new Dependency("a-1", "DONE", "", "hello".getBytes(StandardCharsets.UTF_8), null, false),
        new Dependency("a-2", "CRASHED", "boom", new byte[] {0, 1, 2}, 3, false)), dir);
    assertEquals("a-1 a-2", env.get("SPC_DEPENDENCIES"));
    assertEquals("DONE", env.get("SPC_DEPENDENCY_0_OUTCOME"));
    assertEquals(null, env.get("SPC_DEPENDENCY_0_EXIT_CODE"));
    assertEquals("a-2", env.get("SPC_DEPENDENCY_1_ID"));
    assertEquals("3", env.get("SPC_DEPENDENCY_1_EXIT_CODE"));
    assertEquals("hello", Files.readString(Path.of(env.get("SPC_DEPENDENCY_0_RESULT"))));
    assertEquals(3, Files.readAllBytes(Path.of(env.get("SPC_DEPENDENCY_1_RESULT"))).length);
    assertEquals(dir.toString(), env.get("SPC_DEPENDENCY_DIR"));
  }
}
