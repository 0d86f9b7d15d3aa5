package dev.spc.worker.internal;

import dev.spc.worker.AgentExit;

/** Where the agent's connection to the coordinator stands ({@link AgentSession}). */
sealed interface SessionPhase {
  /** Dialed; Register sent; no answer yet. */
  record Connecting(Dialer.Stream stream) implements SessionPhase {}

  /** Registered on {@code stream}; {@code halfClosed} once the coordinator said it stops. */
  record Connected(Dialer.Stream stream, boolean halfClosed) implements SessionPhase {}

  /** No stream, since {@code sinceNanos}; a reconnect is scheduled. */
  record Disconnected(long sinceNanos) implements SessionPhase {}

  /** Ended, for good. */
  record Exited(AgentExit exit) implements SessionPhase {}
}
