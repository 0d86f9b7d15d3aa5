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

  /** grpcurl's syntax, run by buf curl; the README's address becomes the test coordinator's. */
  static final String BUF_AS_GRPCURL = """
      grpcurl() {
        local data="" rest=() timeout=()
        while [ $# -gt 0 ]; do
          case "$1" in
            -plaintext) shift ;;
            -d) data="$2"; shift 2 ;;
            -max-time) timeout=(--timeout "${2}s"); shift 2 ;;
            *) rest+=("$1"); shift ;;
          esac
        done
        local addr="${rest[0]/localhost:7070/$SPC_TARGET}" method="${rest[1]:-}"
        echo "### $method" >&2
        if [ "$method" = list ]; then
          buf curl --protocol grpc --http2-prior-knowledge --list-services "${timeout[@]}" "http://$addr"
        elif [ -n "$data" ]; then
          buf curl --protocol grpc --http2-prior-knowledge "${timeout[@]}" -d "$data" "http://$addr/$method"
        else
          buf curl --protocol grpc --http2-prior-knowledge "${timeout[@]}" "http://$addr/$method"
        fi
      }
      set -euo pipefail
      """;

  @Test
  void everyReadmeGrpcurlLine_runsThroughBufCurl() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(TlsIT.onPath("buf"),
        "skipped: no buf on PATH (.ci/run installs it: npm install -g @bufbuild/buf)");
    List<String> lines = readmeLines();
    try (Cluster c = new Cluster()) {
      c.worker("w1", 2, "--allow-exec", "--label", "zone=eu");
      String script = BUF_AS_GRPCURL + String.join("\n", lines) + "\n";
      ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true);
      pb.environment().put("SPC_TARGET", c.processes.target());
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      Files.writeString(c.processes.dir().resolve("buf-curl-transcript.txt"), out);
      assertEquals(0, p.waitFor(), out);
      // Go's JSON printer varies its spacing on purpose: compare with the spacing taken out.
      String t = out.replaceAll(":\\s+", ":");
      assertEquals(lines.size(), out.lines().filter(l -> l.startsWith("### ")).count(), "every line ran: " + out);
      for (String expected : List.of("spc.v1.JobService", "\"status\":\"SERVING\"",
          "\"state\":\"JOB_STATE_DONE\"", "\"doneReason\":\"DONE_REASON_DONE\"", "\"name\":\"w1\"",
          "\"cancelled\":\"1\"", "\"scheduleId\":\"tick\"", "\"progress\":{", "\"perSecond\":50")) {
        assertTrue(t.contains(expected), expected + " in\n" + out);
      }
    }
  }
}
