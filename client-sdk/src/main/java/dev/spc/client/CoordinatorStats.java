package dev.spc.client;

/**
 * The coordinator's counters at one moment.
 *
 * @param pending jobs waiting for a slot
 * @param running jobs running on a worker
 * @param done done jobs still held
 * @param doneDone done with reason DONE
 * @param doneTimeout done with reason TIMEOUT
 * @param doneCancelled done with reason CANCELLED
 * @param doneCrashed done with reason CRASHED
 * @param submittedTotal jobs accepted since the coordinator started
 * @param workers connected workers
 * @param slots their slots in total
 * @param busySlots slots holding a lease
 * @param waiters callers blocked waiting for jobs
 * @param scheduled jobs waiting for their start time or a retry's backoff
 * @param doneExpired done with reason EXPIRED
 * @param retriesTotal failed attempts sent to run again since the coordinator started
 * @param schedules schedules held
 * @param schedulesPaused of those, paused
 * @param scheduleFiresTotal jobs made by schedules since the coordinator started
 * @param scheduleSkipsTotal schedule fires that made no job (overlap, catch-up) since then
 * @param accessLevel jobs with a priority below this are held back ({@link AdminClient#OPEN}: none)
 * @param blocked jobs waiting for their dependencies
 * @param finishedTotal jobs that ended since the coordinator started, for any reason (unlike
 *     {@code done}, never lowered as old done jobs are dropped)
 * @param finishedDoneTotal of those, the ones that ended DONE
 */
public record CoordinatorStats(long pending, long running, long done, long doneDone,
    long doneTimeout, long doneCancelled, long doneCrashed, long submittedTotal, int workers,
    int slots, int busySlots, int waiters, long scheduled, long doneExpired, long retriesTotal,
    int schedules, int schedulesPaused, long scheduleFiresTotal, long scheduleSkipsTotal,
    int accessLevel, long blocked, long finishedTotal, long finishedDoneTotal) {}
