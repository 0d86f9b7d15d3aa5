package dev.spc.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.AdminServiceGrpc;
import dev.spc.proto.CancelJobsRequest;
import dev.spc.proto.JobServiceGrpc;
import dev.spc.proto.JobState;
import dev.spc.proto.ListJobsRequest;
import dev.spc.proto.ScheduleServiceGrpc;
import dev.spc.proto.UpdateScheduleRequest;
import dev.spc.proto.WaitAnyJobRequest;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutesTest {
  @Test
  void everyClientCallHasExactlyOneRoute() {
    for (ServiceDescriptor s : List.of(JobServiceGrpc.getServiceDescriptor(),
        AdminServiceGrpc.getServiceDescriptor(), ScheduleServiceGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> m : s.getMethods()) {
        long n = Routes.ALL.stream().filter(r -> r.method().getFullMethodName()
            .equals(m.getFullMethodName())).count();
        assertEquals(1, n, m.getFullMethodName());
      }
    }
  }

  @Test
  void pathsMatchWithTheirParameters() {
    Routes.Match m = Routes.find("POST", "/v1/jobs/mx6p1dcp-7:cancel");
    assertEquals("CancelJob", m.route().operationId());
    assertEquals(Map.of("job_id", "mx6p1dcp-7"), m.params());
    assertEquals("GetJob", Routes.find("GET", "/v1/jobs/a%2Fb").route().operationId());
    assertEquals("a/b", Routes.find("GET", "/v1/jobs/a%2Fb").params().get("job_id"));
    assertEquals("WatchJob", Routes.find("GET", "/v1/jobs/x/events").route().operationId());
    assertEquals("CancelJobs", Routes.find("POST", "/v1/jobs:cancel").route().operationId());
    assertEquals("SubmitJob", Routes.find("POST", "/v1/jobs").route().operationId());
    assertEquals("schedule.schedule_id",
        Routes.find("PATCH", "/v1/schedules/nightly").route().params().getFirst());
    assertNull(Routes.find("GET", "/v1/jobs/x/y"));
    // Only the verb is wrong: a match of another verb, so the answer is 405, not 404.
    assertEquals("GET", Routes.find("DELETE", "/v1/jobs/x").route().verb());
    assertEquals(List.of("POST", "GET"), Routes.verbs("/v1/jobs"));
  }

  @Test
  void queryParametersFillTheirFields() throws Exception {
    ListJobsRequest.Builder b = ListJobsRequest.newBuilder();
    RequestFields.merge(b, RequestFields.query(
        "state=JOB_STATE_DONE&labels.team=billing&labels.a.b=c%20d&pageSize=5&retries_exhausted"));
    ListJobsRequest r = b.build();
    assertEquals(JobState.JOB_STATE_DONE, r.getState());
    assertEquals(Map.of("team", "billing", "a.b", "c d"), r.getLabelsMap());
    assertEquals(5, r.getPageSize());
    assertTrue(r.getRetriesExhausted());
    WaitAnyJobRequest.Builder w = WaitAnyJobRequest.newBuilder();
    RequestFields.merge(w, RequestFields.query("job_ids=a&job_ids=b"));
    assertEquals(List.of("a", "b"), w.getJobIdsList());
    CancelJobsRequest.Builder c = CancelJobsRequest.newBuilder();
    RequestFields.merge(c, RequestFields.query("selector.type=email&selector.labels.k=v"));
    assertEquals("email", c.getSelector().getType());
    UpdateScheduleRequest.Builder u = UpdateScheduleRequest.newBuilder();
    RequestFields.merge(u, Map.of("schedule.schedule_id", List.of("nightly")));
    assertEquals("nightly", u.getSchedule().getScheduleId());
  }

  @Test
  void badParametersAreRefusedByName() {
    var unknown = assertThrows(RequestFields.BadField.class, () -> RequestFields.merge(
        ListJobsRequest.newBuilder(), RequestFields.query("stat=JOB_STATE_DONE")));
    assertTrue(unknown.getMessage().contains("'stat'"), unknown.getMessage());
    var badValue = assertThrows(RequestFields.BadField.class, () -> RequestFields.merge(
        ListJobsRequest.newBuilder(), RequestFields.query("page_size=many")));
    assertTrue(badValue.getMessage().contains("many"), badValue.getMessage());
    var wholeMap = assertThrows(RequestFields.BadField.class, () -> RequestFields.merge(
        ListJobsRequest.newBuilder(), RequestFields.query("labels=x")));
    assertTrue(wholeMap.getMessage().contains("labels.KEY=VALUE"), wholeMap.getMessage());
  }

  @Test
  void grpcCodesBecomeGooglesHttpStatuses() {
    assertEquals(400, HttpGateway.httpStatus(Status.Code.INVALID_ARGUMENT));
    assertEquals(400, HttpGateway.httpStatus(Status.Code.FAILED_PRECONDITION));
    assertEquals(401, HttpGateway.httpStatus(Status.Code.UNAUTHENTICATED));
    assertEquals(403, HttpGateway.httpStatus(Status.Code.PERMISSION_DENIED));
    assertEquals(404, HttpGateway.httpStatus(Status.Code.NOT_FOUND));
    assertEquals(409, HttpGateway.httpStatus(Status.Code.ALREADY_EXISTS));
    assertEquals(429, HttpGateway.httpStatus(Status.Code.RESOURCE_EXHAUSTED));
    assertEquals(503, HttpGateway.httpStatus(Status.Code.UNAVAILABLE));
    assertEquals(504, HttpGateway.httpStatus(Status.Code.DEADLINE_EXCEEDED));
    assertTrue(HttpGateway.errorJson(Status.NOT_FOUND.withDescription("gone \"x\"")).equals(
        "{\"error\":{\"code\":404,\"status\":\"NOT_FOUND\",\"message\":\"gone \\\"x\\\"\"}}"));
  }

  @Test
  void theOpenApiDocumentNamesEveryRoute() {
    String doc = OpenApi.document();
    for (Routes.Route r : Routes.ALL) {
      assertTrue(doc.contains("\"operationId\": \"" + r.operationId() + "\""), r.operationId());
    }
  }
}
