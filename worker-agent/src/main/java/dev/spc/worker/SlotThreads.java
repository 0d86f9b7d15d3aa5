package dev.spc.worker;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * What an agent runs each job's handler on.
 *
 * <p>{@link #PLATFORM} (the default): an OS thread per slot, time-sliced by the kernel. Whatever a
 * handler does, the other slots keep running: even a handler that computes forever and ignores
 * its stop only costs a core and its slot (reported stuck).
 *
 * <p>{@link #VIRTUAL}: a virtual thread per job, for many short or blocking jobs. Handing a job
 * over costs a continuation instead of waking a parked OS thread (on a burn-down of no-op jobs,
 * that wake-up was half of an agent's CPU), and a free slot costs no OS thread. A handler that
 * blocks (I/O, sleeps, locks, a program it runs) frees its carrier meanwhile; one that computes
 * without blocking holds one of the JVM's carriers (one per core) until it ends, and a job that
 * never ends holds it for good: the rest of the JVM's virtual threads share what is left.
 */
public enum SlotThreads {
  PLATFORM,
  VIRTUAL;

  /** The executor an agent with {@code slots} slots runs its jobs on. */
  ExecutorService executor(int slots) {
    return switch (this) {
      // One thread per slot, fed from a queue: a thread that finishes a job takes the next
      // queued one without parking. A stuck job holds its thread, exactly as it holds its slot.
      case PLATFORM -> new ThreadPoolExecutor(slots, slots, 60, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), Thread.ofPlatform().name("spc-slot-", 0).daemon(true).factory());
      case VIRTUAL -> Executors.newThreadPerTaskExecutor(
          Thread.ofVirtual().name("spc-slot-", 0).factory());
    };
  }
}
