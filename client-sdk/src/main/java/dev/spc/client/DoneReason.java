package dev.spc.client;

/** How a done job ended. */
public enum DoneReason {
  /** The handler returned normally. */
  DONE,
  /** It ran past its max_seconds. */
  TIMEOUT,
  /** Cancelled, or its worker was stopped. */
  CANCELLED,
  /** The handler threw, the process failed, or the worker was lost. */
  CRASHED,
  /** Not started within its expireAfter. */
  EXPIRED
}
