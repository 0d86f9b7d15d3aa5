package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Runs every grpcurl line of the README, in order, against a real coordinator and worker w1. */
class ReadmeGrpcurlIT {
  private static final Pattern CAPTURE = Pattern.compile("^(\\w+)=\\$\\((grpcurl .*?) \\| sed .*\\)$");

  static List<String> readmeLines() throws Exception {
    Path readme = Path.of(System.getProperty("user.dir")).getParent().resolve("README.md");
    String text = Files.readString(readme);
    String section = text.substring(text.indexOf("## grpcurl"), text.indexOf("## Java SDK"));
    List<String> lines = new ArrayList<>();
    boolean inCode = false;
    for (String line : section.split("\n", -1)) {
      if (line.startsWith("```")) {
        inCode = !inCode;
      } else if (inCode && (line.startsWith("grpcurl ") || CAPTURE.matcher(line).matches())) {
        lines.add(line);
      }
    }
    return lines;
  }

  @Test
  void everyReadmeGrpcurlLineWorksAsWritten() throws Exception {
    List<String> lines = readmeLines();
    assertTrue(lines.size() >= 12, "expected the README's grpcurl examples, found " + lines);
    try (Cluster c = new Cluster()) {
      c.worker("w1", 2, "--allow-exec", "--label", "zone=eu");
      ManagedChannel ch = Grpc.newChannelBuilder(c.processes.target(),
          InsecureChannelCredentials.create()).build();
      try {
        Grpcurl grpcurl = new Grpcurl(ch);
        Map<String, String> env = new HashMap<>();
        StringBuilder transcript = new StringBuilder();
        for (String line : lines) {
          String var = null;
          String cmd = line;
          Matcher m = CAPTURE.matcher(line);
          if (m.matches()) {
            var = m.group(1);
            cmd = m.group(2);
          }
          List<String> words = Grpcurl.words(cmd, env);
          assertEquals("grpcurl", words.get(0));
          assertEquals("localhost:7070", words.get(words.size() - 2));
          String out = grpcurl.run(words.subList(1, words.size()));
          transcript.append("$ ").append(line).append('\n').append(out);
          if (var != null) {
            Matcher id = Pattern.compile("\"jobId\": \"([^\"]+)\"").matcher(out);
            assertTrue(id.find(), out);
            env.put(var, id.group(1));
          }
        }
        String t = transcript.toString();
        assertTrue(t.contains("spc.v1.JobService") && t.contains("spc.v1.AdminService")
            && t.contains("grpc.reflection.v1alpha.ServerReflection"), t);
        assertTrue(t.contains("\"status\": \"SERVING\""), t);
        assertTrue(t.contains("\"state\": \"JOB_STATE_DONE\""), t);
        assertTrue(t.contains("\"doneReason\": \"DONE_REASON_DONE\""), t);
        assertTrue(t.contains("\"name\": \"w1\""), t);
        assertTrue(t.contains("\"cancelled\": \"1\""), "CancelJobs cancelled the labelled job: " + t);
        assertTrue(t.contains("\"scheduleId\": \"tick\"") && t.contains("\"nextFireTimes\": ["),
            "the schedule was made and listed: " + t);
        assertTrue(t.contains("\"progress\": {"), "WatchJob streamed the sleep's progress: " + t);
        assertTrue(t.contains("\"outputTail\": \"" + java.util.Base64.getEncoder().encodeToString(
            "hello from exec\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "\""), "the exec job ran: " + t);
        assertTrue(t.contains("\"key\": \"db\"") && t.contains("\"limit\": 2"), "the concurrency limit: " + t);
        assertTrue(t.contains("\"perSecond\": 50"), "the rate limit: " + t);
        assertTrue(t.contains("\"labels\": {\n      \"zone\": \"eu\""), "w1's labels listed: " + t);
        Files.writeString(c.processes.dir().resolve("grpcurl-transcript.txt"), t);
      } finally {
        ch.shutdownNow();
      }
    }
  }
}
