package dev.spc.server.http;

import dev.spc.proto.AdminServiceGrpc;
import dev.spc.proto.JobServiceGrpc;
import dev.spc.proto.ScheduleServiceGrpc;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP/JSON API: every {@code JobService}, {@code ScheduleService} and {@code AdminService}
 * call at a resource path, in the style of Google's HTTP rules ({@code /v1/jobs/{job_id}:cancel}).
 * Path parameters and query parameters name request fields ({@code labels.team=a} for a map,
 * repeated parameters for a repeated field); calls that take a body take the request as JSON,
 * in the protobuf JSON mapping.
 */
final class Routes {
  /**
   * One call at one path.
   *
   * @param verb the HTTP method
   * @param template the path, with {@code {field}} for a request field taken from it
   * @param body whether the request comes as a JSON body (else from the query string)
   * @param events whether the answer is a stream of server-sent events
   */
  record Route(String verb, String template, MethodDescriptor<?, ?> method, boolean body,
      boolean events, String summary, Pattern pattern, List<String> params) {
    String operationId() {
      return method.getBareMethodName();
    }
  }

  /** A route that matched, with the path parameters it read. */
  record Match(Route route, Map<String, String> params) {}

  static final List<Route> ALL = List.of(
      r("POST", "/v1/jobs", JobServiceGrpc.getSubmitJobMethod(), true, "Submit a job."),
      r("POST", "/v1/jobs:batch", JobServiceGrpc.getSubmitJobsMethod(), true,
          "Submit jobs together, atomically (dependencies by index within the batch)."),
      r("POST", "/v1/jobs:submitEach", JobServiceGrpc.getSubmitEachJobMethod(), true,
          "Submit jobs each on its own, as that many single submits: one outcome per job."),
      r("GET", "/v1/jobs", JobServiceGrpc.getListJobsMethod(), false,
          "List jobs in submission order (newest_first=true: the latest first); filter by state,"
              + " type, labels (labels.KEY=VALUE)."),
      r("POST", "/v1/jobs:cancel", JobServiceGrpc.getCancelJobsMethod(), true,
          "Cancel every job a selector matches."),
      r("POST", "/v1/jobs:waitAny", JobServiceGrpc.getWaitAnyJobMethod(), true,
          "Wait until any of the given jobs is done."),
      r("GET", "/v1/jobs/{job_id}", JobServiceGrpc.getGetJobMethod(), false, "A job."),
      r("POST", "/v1/jobs/{job_id}:cancel", JobServiceGrpc.getCancelJobMethod(), true, "Cancel a job."),
      r("GET", "/v1/jobs/{job_id}:wait", JobServiceGrpc.getWaitJobMethod(), false,
          "Wait until a job is done; answers with the job."),
      r("POST", "/v1/jobs/{job_id}:rerun", JobServiceGrpc.getRerunJobMethod(), true,
          "Run a done job again, as a new job."),
      r("POST", "/v1/jobs/{job_id}:signal", JobServiceGrpc.getSignalJobMethod(), true,
          "Send a signal to a running job."),
      sse("/v1/jobs/{job_id}/events", JobServiceGrpc.getWatchJobMethod(),
          "A job's events (progress, log lines, its end) as server-sent events; follow=true keeps"
              + " the stream open until the job is done."),
      r("POST", "/v1/schedules", ScheduleServiceGrpc.getCreateScheduleMethod(), true,
          "Create a schedule."),
      r("GET", "/v1/schedules", ScheduleServiceGrpc.getListSchedulesMethod(), false, "List schedules."),
      r("GET", "/v1/schedules/{schedule_id}", ScheduleServiceGrpc.getGetScheduleMethod(), false,
          "A schedule."),
      r("PATCH", "/v1/schedules/{schedule.schedule_id}", ScheduleServiceGrpc.getUpdateScheduleMethod(),
          true, "Replace a schedule's definition."),
      r("DELETE", "/v1/schedules/{schedule_id}", ScheduleServiceGrpc.getDeleteScheduleMethod(), false,
          "Delete a schedule."),
      r("POST", "/v1/schedules/{schedule_id}:pause", ScheduleServiceGrpc.getPauseScheduleMethod(), true,
          "Pause a schedule."),
      r("POST", "/v1/schedules/{schedule_id}:resume", ScheduleServiceGrpc.getResumeScheduleMethod(),
          true, "Resume a schedule."),
      r("POST", "/v1/schedules/{schedule_id}:trigger", ScheduleServiceGrpc.getTriggerScheduleMethod(),
          true, "Start a schedule's job now."),
      r("GET", "/v1/workers", AdminServiceGrpc.getListWorkersMethod(), false, "Connected workers."),
      r("POST", "/v1/workers/{name}:stop", AdminServiceGrpc.getStopWorkerMethod(), true,
          "Stop a worker (drain=true lets its running jobs finish)."),
      r("GET", "/v1/stats", AdminServiceGrpc.getGetStatsMethod(), false, "The coordinator's counts."),
      r("GET", "/v1/cluster", AdminServiceGrpc.getGetClusterMethod(), false,
          "The coordinators and which one leads."),
      r("POST", "/v1/access-level", AdminServiceGrpc.getSetAccessLevelMethod(), true,
          "Admit only jobs at or above a priority; interrupt=true stops those below."),
      r("GET", "/v1/limits", AdminServiceGrpc.getListLimitsMethod(), false,
          "Concurrency keys and rate limits."),
      r("POST", "/v1/limits/concurrency", AdminServiceGrpc.getSetConcurrencyLimitMethod(), true,
          "Set how many jobs of a concurrency key run at once."),
      r("POST", "/v1/limits/rate", AdminServiceGrpc.getSetRateLimitMethod(), true,
          "Set or remove a job type's rate limit."));

  private Routes() {}

  private static Route r(String verb, String template, MethodDescriptor<?, ?> m, boolean body,
      String summary) {
    return make(verb, template, m, body, false, summary);
  }

  private static Route sse(String template, MethodDescriptor<?, ?> m, String summary) {
    return make("GET", template, m, false, true, summary);
  }

  private static Route make(String verb, String template, MethodDescriptor<?, ?> m, boolean body,
      boolean events, String summary) {
    List<String> params = new ArrayList<>();
    StringBuilder re = new StringBuilder();
    Matcher p = Pattern.compile("\\{([a-z_.]+)\\}").matcher(template);
    int at = 0;
    while (p.find()) {
      re.append(Pattern.quote(template.substring(at, p.start()))).append("([^/:]+)");
      params.add(p.group(1));
      at = p.end();
    }
    re.append(Pattern.quote(template.substring(at)));
    return new Route(verb, template, m, body, events, summary, Pattern.compile(re.toString()),
        List.copyOf(params));
  }

  /**
   * The route for {@code rawPath} (still percent-encoded) and {@code verb}: a match, null when no
   * route has that path, or a match of another verb's route when only the verb is wrong (the
   * caller answers 405 naming the verbs allowed).
   */
  static @Nullable Match find(String verb, String rawPath) {
    Match other = null;
    for (Route r : ALL) {
      Matcher m = r.pattern().matcher(rawPath);
      if (!m.matches()) {
        continue;
      }
      java.util.LinkedHashMap<String, String> values = new java.util.LinkedHashMap<>();
      for (int i = 0; i < r.params().size(); i++) {
        values.put(r.params().get(i), decode(m.group(i + 1)));
      }
      Match match = new Match(r, values);
      if (r.verb().equals(verb)) {
        return match;
      }
      other = other == null ? match : other;
    }
    return other;
  }

  /** The verbs the routes at {@code rawPath} take. */
  static List<String> verbs(String rawPath) {
    List<String> out = new ArrayList<>();
    for (Route r : ALL) {
      if (r.pattern().matcher(rawPath).matches()) {
        out.add(r.verb());
      }
    }
    return out;
  }

  /** Percent-decoding of a path segment or query part ({@code +} is a space only in a query). */
  static String decode(String s) {
    return java.net.URLDecoder.decode(s.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
  }
}
