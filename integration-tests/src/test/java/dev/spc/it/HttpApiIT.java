package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.spc.proto.AdminServiceGrpc;
import dev.spc.proto.JobServiceGrpc;
import dev.spc.proto.ScheduleServiceGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP/JSON API of a real coordinator (with tokens) and a real worker, called with a real
 * {@code curl}: submit, read, wait, follow a job's events as server-sent events, cancel, filter by
 * label; the same roles as gRPC; each gRPC error as its HTTP status with a JSON body; the OpenAPI
 * document covering every client call.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiIT {
  Cluster c;
  String base;
  String admin;
  String reader;
  int agentMetrics;

  /** What curl got: the status and the body. */
  record Reply(int status, String body, String headers) {
    JsonObject json() {
      return JsonParser.parseString(body).getAsJsonObject();
    }

    String errorStatus() {
      return json().getAsJsonObject("error").get("status").getAsString();
    }
  }

  @BeforeAll
  void start() throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "http-");
    Path tokens = dir.resolve("tokens");
    admin = AuthIT.createToken(tokens, "--role", "admin");
    reader = AuthIT.createToken(tokens, "--role", "reader");
    int http = Ports.free();
    c = Cluster.withTokensAndHttp(tokens, admin, http);
    base = "http://127.0.0.1:" + http;
    String workerToken = AuthIT.createToken(tokens, "--role", "worker");
    agentMetrics = Ports.free();
    c.worker("w1", 4, "--token", workerToken, "--metrics-port", Integer.toString(agentMetrics),
        "--metrics-bind", "127.0.0.1");
  }

  @AfterAll
  void stop() {
    if (c != null) {
      c.close();
    }
  }

  /** curl with {@code args} (after the defaults), the admin token unless {@code token} says. */
  Reply curl(String token, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-D", "-"));
    if (token != null) {
      cmd.addAll(List.of("-H", "Authorization: Bearer " + token));
    }
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "curl " + cmd + " failed: " + err);
    while (out.startsWith("HTTP/1.1 100")) { // Expect: 100-continue, before a large body
      out = out.substring(out.indexOf("\r\n\r\n") + 4);
    }
    int split = out.indexOf("\r\n\r\n");
    String head = out.substring(0, split);
    int status = Integer.parseInt(head.split(" ")[1]);
    return new Reply(status, out.substring(split + 4), head);
  }

  Reply post(String path, String json) throws Exception {
    return curl(admin, "-X", "POST", "-H", "Content-Type: application/json", "-d", json, base + path);
  }

  String submit(String json) throws Exception {
    Reply r = post("/v1/jobs", json);
    assertEquals(200, r.status(), r.body());
    return r.json().get("jobId").getAsString();
  }

  @Test
  void submitFollowAndWait() throws Exception {
    String id = submit("{\"job\": {\"type\": \"sleep\", \"args\": [\"1.5\"], \"labels\": {\"suite\": \"http\"}}}");
    // Follow its events live: progress while it sleeps, then its end.
    Reply events = curl(admin, "-N", base + "/v1/jobs/" + id + "/events?follow=true");
    assertEquals(200, events.status());
    assertTrue(events.headers().toLowerCase(java.util.Locale.ROOT).contains("text/event-stream"));
    String body = events.body();
    assertTrue(body.contains("\"progress\""), "progress events while it ran:\n" + body);
    assertTrue(body.contains("JOB_STATE_DONE") && body.contains("DONE_REASON_DONE"), body);
    assertTrue(body.strip().endsWith("event: end\ndata: {}"), body);
    Reply waited = curl(admin, base + "/v1/jobs/" + id + ":wait");
    assertEquals("DONE_REASON_DONE", waited.json().get("doneReason").getAsString());
    Reply got = curl(reader, base + "/v1/jobs/" + id);
    assertEquals(id, got.json().get("jobId").getAsString());
    Reply listed = curl(reader, base + "/v1/jobs?labels.suite=http&state=JOB_STATE_DONE");
    assertTrue(listed.body().contains(id), listed.body());
    Reply none = curl(reader, base + "/v1/jobs?labels.suite=elsewhere");
    assertTrue(!none.body().contains(id), none.body());
  }

  @Test
  void cancelOverHttp() throws Exception {
    String id = submit("{\"job\": {\"type\": \"sleep\", \"args\": [\"60\"]}}");
    c.poll("the job runs", () -> curlQuiet(base + "/v1/jobs/" + id).contains("JOB_STATE_RUNNING"));
    Reply r = post("/v1/jobs/" + id + ":cancel", "");
    assertEquals(200, r.status(), r.body());
    Reply waited = curl(admin, base + "/v1/jobs/" + id + ":wait");
    assertEquals("DONE_REASON_CANCELLED", waited.json().get("doneReason").getAsString());
  }

  private String curlQuiet(String url) {
    try {
      return curl(admin, url).body();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void sameRolesAsGrpc() throws Exception {
    Reply anonymous = curl(null, base + "/v1/stats");
    assertEquals(401, anonymous.status());
    assertEquals("UNAUTHENTICATED", anonymous.errorStatus());
    Reply wrong = curl("not-a-token", base + "/v1/stats");
    assertEquals(401, wrong.status());
    Reply readerSubmits = curl(reader, "-X", "POST", "-d", "{\"job\": {\"type\": \"noop\"}}", base + "/v1/jobs");
    assertEquals(403, readerSubmits.status());
    assertEquals("PERMISSION_DENIED", readerSubmits.errorStatus());
    assertTrue(readerSubmits.json().toString().contains("reader"), readerSubmits.body());
    assertEquals(200, curl(reader, base + "/v1/stats").status());
    // A browser's EventSource cannot send headers: the token may come as access_token.
    assertEquals(200, curl(null, base + "/v1/workers?access_token=" + reader).status());
  }

  @Test
  void errorsAsHttpStatuses() throws Exception {
    Reply badField = post("/v1/jobs", "{\"job\": {\"tipe\": \"noop\"}}");
    assertEquals(400, badField.status());
    assertTrue(badField.body().contains("tipe"), badField.body());
    Reply badValue = post("/v1/jobs", "{\"job\": {\"type\": \"noop\", \"maxSeconds\": -1}}");
    assertEquals(400, badValue.status());
    assertEquals("INVALID_ARGUMENT", badValue.errorStatus());
    assertTrue(badValue.body().contains("max_seconds"), badValue.body());
    Reply badLimit = post("/v1/limits/concurrency", "{\"key\": \"k\", \"limit\": 0}");
    assertEquals(400, badLimit.status());
    assertTrue(badLimit.body().contains("limit"), badLimit.body());
    String unknown = submit("{\"job\": {\"type\": \"noop\"}}").replaceAll("-[0-9]+$", "-999999");
    // As over gRPC: the status of an id never issued is UNKNOWN; acting on it is NOT_FOUND.
    assertEquals("JOB_STATE_UNKNOWN", curl(admin, base + "/v1/jobs/" + unknown).json().get("state")
        .getAsString());
    Reply rerunUnknown = post("/v1/jobs/" + unknown + ":rerun", "");
    assertEquals(404, rerunUnknown.status());
    assertEquals("NOT_FOUND", rerunUnknown.errorStatus());
    String done = submit("{\"job\": {\"type\": \"noop\"}}");
    assertEquals(200, curl(admin, base + "/v1/jobs/" + done + ":wait").status());
    Reply signalDone = post("/v1/jobs/" + done + ":signal", "{\"signal\": \"HUP\"}");
    assertEquals(400, signalDone.status());
    assertEquals("FAILED_PRECONDITION", signalDone.errorStatus());
    Reply badQuery = curl(admin, base + "/v1/jobs?stat=JOB_STATE_DONE");
    assertEquals(400, badQuery.status());
    assertTrue(badQuery.body().contains("stat"), badQuery.body());
    Reply noPath = curl(admin, base + "/v1/nothing");
    assertEquals(404, noPath.status());
    Reply wrongVerb = curl(admin, "-X", "DELETE", base + "/v1/jobs");
    assertEquals(405, wrongVerb.status());
    assertTrue(wrongVerb.headers().contains("Allow: "), wrongVerb.headers());
    Path big = Files.createTempFile(Path.of("target"), "big", ".json");
    Files.writeString(big, "{\"job\": {\"type\": \"noop\", \"args\": [\"" + "x".repeat(20 << 20) + "\"]}}");
    Reply tooBig = curl(admin, "-X", "POST", "--data-binary", "@" + big, base + "/v1/jobs");
    Files.delete(big);
    assertEquals(413, tooBig.status(), tooBig.body());
  }

  @Test
  void dashboardFiles_areServedToAnyone_itsDataOnlyWithAToken() throws Exception {
    Reply page = curl(null, base + "/");
    assertEquals(200, page.status());
    assertTrue(page.body().contains("/ui/app.js"), page.body());
    assertTrue(page.headers().toLowerCase(java.util.Locale.ROOT)
        .contains("content-security-policy: default-src 'none'; script-src 'self'"), page.headers());
    assertEquals(200, curl(null, base + "/ui/pages.js").status());
    assertEquals(401, curl(null, base + "/v1/session").status());
    Reply who = curl(reader, base + "/v1/session");
    assertEquals("reader", who.json().get("role").getAsString());
    assertTrue(who.json().get("auth").getAsBoolean());
    assertEquals(401, curl(null, base + "/v1/history").status());
    c.poll("a history sample", () -> {
      try {
        return curl(reader, base + "/v1/history").json().getAsJsonArray("samples").size() > 0;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    JsonObject sample = curl(reader, base + "/v1/history").json().getAsJsonArray("samples").get(0)
        .getAsJsonObject();
    assertTrue(sample.has("submitted") && sample.getAsJsonObject("finished").has("done"), sample.toString());
    // Newest first, as the dashboard's table asks.
    String older = submit("{\"job\": {\"type\": \"noop\", \"labels\": {\"order\": \"t\"}}}");
    String newer = submit("{\"job\": {\"type\": \"noop\", \"labels\": {\"order\": \"t\"}}}");
    String listed = curl(reader, base + "/v1/jobs?labels.order=t&newest_first=true").body();
    assertTrue(listed.indexOf(newer) < listed.indexOf(older), listed);
  }

  @Test
  void theAgentsMetrics_countItsJobsByOutcome() throws Exception {
    String id = submit("{\"job\": {\"type\": \"noop\"}}");
    assertEquals(200, curl(admin, base + "/v1/jobs/" + id + ":wait").status());
    String agentUrl = "http://127.0.0.1:" + agentMetrics + "/metrics";
    c.poll("the agent counts the job", () -> {
      try {
        return curl(null, agentUrl).body().lines()
            .anyMatch(l -> l.matches("spc_agent_jobs_total\\{outcome=\"succeeded\"} [1-9].*"));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    String body = curl(null, agentUrl).body();
    for (String m : List.of("spc_agent_slots 4.0", "spc_agent_slots_stuck 0.0", "spc_agent_reconnects_total 0.0",
        "spc_agent_self_fencings_total 0.0", "spc_agent_results_unconfirmed", "jvm_memory_used_bytes")) {
      assertTrue(body.contains(m), m + " in\n" + body);
    }
  }

  @Test
  void openApiDescribesEveryClientCall() throws Exception {
    Reply doc = curl(null, base + "/v1/openapi.json");
    assertEquals(200, doc.status());
    JsonObject paths = doc.json().getAsJsonObject("paths");
    Set<String> operations = new java.util.HashSet<>();
    for (var p : paths.entrySet()) {
      for (var op : p.getValue().getAsJsonObject().entrySet()) {
        operations.add(op.getValue().getAsJsonObject().get("operationId").getAsString());
      }
    }
    for (ServiceDescriptor s : List.of(JobServiceGrpc.getServiceDescriptor(),
        AdminServiceGrpc.getServiceDescriptor(), ScheduleServiceGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> m : s.getMethods()) {
        assertTrue(operations.contains(m.getBareMethodName()), m.getFullMethodName() + " has no route");
      }
    }
    assertTrue(doc.json().getAsJsonObject("components").getAsJsonObject("schemas")
        .has("spc.v1.JobSpec"));
  }

  /** The README's curl lines, in order, in one shell, with a real curl (and the admin token). */
  @Test
  void readmeCurlLinesRun() throws Exception {
    Path readme = Path.of(System.getProperty("user.dir")).getParent().resolve("README.md");
    String text = Files.readString(readme);
    int section = text.indexOf("## HTTP/JSON API");
    int start = text.indexOf("```sh\n", section) + 6;
    String block = text.substring(start, text.indexOf("```", start));
    List<String> lines = block.lines().filter(l -> l.contains("curl ")).toList();
    assertTrue(lines.size() >= 10, "expected the README's curl examples, found " + lines);
    String port = base.substring(base.lastIndexOf(':') + 1);
    StringBuilder script = new StringBuilder("set -euo pipefail\n");
    for (String line : lines) {
      script.append("echo \"### ").append(line.replace("\"", "'").replace("$", "\\$")).append("\"\n");
      script.append(line.replace("localhost:7071", "127.0.0.1:" + port)
          .replace("curl -s", "curl --fail-with-body --max-time 60 -H 'Authorization: Bearer "
              + admin + "' -s")).append("\n");
    }
    Process p = new ProcessBuilder("bash", "-c", script.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertTrue(out.contains("\"jobId\""), out);
    assertTrue(out.contains("event: end"), out);
    assertTrue(out.contains("DONE_REASON_DONE"), out);
    assertTrue(out.contains("\"openapi\": \"3.1.0\""), out);
  }

  @Test
  void metricsAfterJobsRan() throws Exception {
    String id = submit("{\"job\": {\"type\": \"echo\", \"args\": [\"m\"]}}");
    assertEquals(200, curl(admin, base + "/v1/jobs/" + id + ":wait").status());
    assertEquals(401, curl(null, base + "/metrics").status());
    Reply m = curl(reader, base + "/metrics");
    assertEquals(200, m.status());
    String text = m.body();
    for (String expected : List.of("spc_jobs_finished_total{outcome=\"done\",type=\"echo\"}",
        "spc_job_wait_seconds_count{type=\"echo\"}", "spc_job_run_seconds_bucket{type=\"echo\",le=",
        "spc_workers_connected 1.0", "spc_worker_slots 4.0", "spc_jobs_submitted_total",
        "spc_grpc_server_calls_total{code=\"OK\",method=\"spc.v1.JobService/SubmitJob\"}",
        "spc_loop_busy_seconds_total", "spc_store_commit_seconds_count", "spc_metrics_snapshot_ok 1.0",
        "jvm_memory_used_bytes")) {
      assertTrue(text.contains(expected), expected + " in:\n" + text);
    }
  }
}
