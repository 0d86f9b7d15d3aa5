package dev.spc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class SpcExceptionTest {
  @Test
  void aConnectionClosedUnderACall_isUnavailable_soThatSubmitsAreRetried() {
    // What grpc-java's Netty transport reports when the coordinator dies as a call starts.
    Throwable t = Status.UNKNOWN.withDescription("channel closed")
        .withCause(new java.nio.channels.ClosedChannelException()).asRuntimeException();
    SpcException e = SpcException.from(t);
    assertInstanceOf(SpcException.Unavailable.class, e);
    assertEquals(Status.Code.UNAVAILABLE, e.code());
    assertEquals("connection to the coordinator closed (channel closed)", e.getMessage());
  }

  @Test
  void anUnknownFailureFromTheServer_staysInternal() {
    SpcException e = SpcException.from(Status.UNKNOWN.withDescription("boom").asRuntimeException());
    assertInstanceOf(SpcException.Internal.class, e);
    assertEquals(Status.Code.UNKNOWN, e.code());
    assertInstanceOf(SpcException.Internal.class,
        SpcException.from(Status.INTERNAL.withCause(new java.io.IOException("x")).asRuntimeException()),
        "only UNKNOWN is reclassified");
  }

  @Test
  void aCallTheServerReset_isUnavailable_andAClientCancelStaysCancelled() {
    // What a deposed leader's abandoned calls look like to a client.
    SpcException reset = SpcException.from(Status.CANCELLED
        .withDescription("RST_STREAM closed stream. HTTP/2 error code: CANCEL").asRuntimeException());
    assertInstanceOf(SpcException.Unavailable.class, reset);
    assertInstanceOf(SpcException.Cancelled.class,
        SpcException.from(Status.CANCELLED.withDescription("interrupted").asRuntimeException()));
  }

  @Test
  void anUnreachableCoordinator_isSaidPlainly() {
    SpcException e = SpcException.from(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new java.net.ConnectException(
            "finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:7099"))
        .asRuntimeException());
    assertEquals("cannot reach the coordinator at 127.0.0.1:7099 (connection refused)", e.getMessage());
  }
}
