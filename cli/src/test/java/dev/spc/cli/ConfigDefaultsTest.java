package dev.spc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.ListJobsResponse;
import dev.spc.proto.Stats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Where client options take their defaults from, and which replies --output json splits. */
class ConfigDefaultsTest {
  @TempDir
  Path dir;

  /** The stats command's options after parsing {@code args} with this environment. */
  static Target parse(Map<String, String> env, String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setDefaultValueProvider(new ConfigDefaults(env));
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    CommandLine.ParseResult r = cl.parseArgs(args);
    return ((StatsCommand) r.subcommand().commandSpec().userObject()).target;
  }

  @Test
  void aFlagWins_thenTheEnvironment_thenTheConfigFile_thenTheBuiltInDefault() throws Exception {
    Path config = Files.createDirectories(dir.resolve("spc")).resolve("config");
    Files.writeString(config, "coordinator = file:7070\ntoken = from-file\noutput = json\n");
    Map<String, String> fileOnly = Map.of("XDG_CONFIG_HOME", dir.toString());
    Target t = parse(fileOnly, "stats");
    assertEquals("file:7070", t.coordinator);
    assertEquals("from-file", t.token);
    assertEquals(Target.Output.json, t.output);
    Map<String, String> env = Map.of("XDG_CONFIG_HOME", dir.toString(), "SPC_COORDINATOR", "env:7070");
    assertEquals("env:7070", parse(env, "stats").coordinator);
    assertEquals("flag:7070", parse(env, "stats", "--coordinator", "flag:7070").coordinator);
    Target none = parse(Map.of("HOME", dir.resolve("nobody").toString()), "stats");
    assertEquals("127.0.0.1:7070", none.coordinator);
    assertNull(none.token);
    assertEquals(Target.Output.text, none.output);
  }

  @Test
  void spcConfig_namesTheFile_andAnUnknownKeyIsRefusedByName() throws Exception {
    Path f = dir.resolve("my.conf");
    Files.writeString(f, "coordinator = x:1\ncolour = red\n");
    ConfigDefaults d = new ConfigDefaults(Map.of("SPC_CONFIG", f.toString()));
    String problem = d.check();
    assertTrue(problem != null && problem.contains("unknown key 'colour'") && problem.contains(f.toString()),
        problem);
  }

  @Test
  void theServersOwnCertificate_takesNoClientDefault() {
    CommandLine cl = new CommandLine(new Main());
    cl.setDefaultValueProvider(new ConfigDefaults(Map.of("SPC_TLS_CERT", "/client.pem")));
    CommandLine.ParseResult r = cl.parseArgs("server");
    assertNull(r.subcommand().commandSpec().findOption("--tls-cert").getValue());
  }

  @Test
  void listRepliesPrintOneItemPerLine_otherRepliesWhole() {
    ListJobsResponse page = ListJobsResponse.newBuilder().setNextPageToken("7")
        .addJobs(dev.spc.proto.Job.newBuilder().setJobId("a")).build();
    assertEquals(1, JsonOutput.items(page).size());
    assertNull(JsonOutput.items(Stats.getDefaultInstance()));
    assertNull(JsonOutput.items(dev.spc.proto.ListLimitsResponse.getDefaultInstance()), "two lists: whole");
  }
}
