package dev.spc.worker;

/**
 * A signal sent to a running job ({@code JobService.SignalJob}): its name ("HUP", or any name a
 * handler understands) and an optional payload.
 */
@SuppressWarnings("ArrayRecordComponent") // the payload as sent; signals are not compared
public record Signal(String name, byte[] payload) {
  /** The payload as UTF-8 text. */
  public String payloadText() {
    return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
  }
}
