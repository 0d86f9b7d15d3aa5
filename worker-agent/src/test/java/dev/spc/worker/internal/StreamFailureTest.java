package dev.spc.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spc.proto.LeaderHint;
import io.grpc.Status;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** How the agent reads the end of its stream. */
class StreamFailureTest {
  @Test
  void aStandbysRefusal_isTheClusterBetweenLeaders_notALostCoordinator() {
    assertEquals(StreamFailure.STANDBY, StreamFailure.classify(LeaderHint.refusal("b:7070", 4, null)));
    assertEquals(StreamFailure.STANDBY, StreamFailure.classify(LeaderHint.refusal(null, 4, null)));
    assertEquals(StreamFailure.STANDBY, StreamFailure.classify(LeaderHint.refusal(null, 4,
        "connection refused")));
  }

  @Test
  void theOtherEndings_keepTheirMeaning() {
    assertEquals(StreamFailure.REFUSED, StreamFailure.classify(Status.UNAVAILABLE
        .withCause(new ConnectException("finishConnect(..) failed: Connection refused"))));
    assertEquals(StreamFailure.SILENT, StreamFailure.classify(Status.UNAVAILABLE
        .withCause(new java.io.IOException("Connection timed out"))));
    assertEquals(StreamFailure.DENIED, StreamFailure.classify(Status.PERMISSION_DENIED));
    assertEquals(StreamFailure.NAME_TAKEN, StreamFailure.classify(Status.ALREADY_EXISTS));
    assertEquals(StreamFailure.CLOSED, StreamFailure.classify(Status.UNAVAILABLE
        .withDescription("Network closed for unknown reason")));
  }
}
