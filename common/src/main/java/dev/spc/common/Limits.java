package dev.spc.common;

import java.util.regex.Pattern;

/**
 * Names and limits that the coordinator checks and the agent checks too (so that a mistake is
 * reported where it is made): defined once, here.
 */
public final class Limits {
  private Limits() {}

  /** A worker's name: unique among connected workers. */
  public static final Pattern WORKER_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  /** A job type: what a handler is registered for and a spec names. */
  public static final Pattern JOB_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");

  /** The most slots (jobs at once) one worker may have. */
  public static final int MAX_SLOTS = 1024;
}
