package dev.spc.client;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A connected worker as the coordinator sees it.
 *
 * @param name its unique name
 * @param jobTypes the job types it handles
 * @param slots how many jobs it runs at once
 * @param runningJobIds the jobs it runs now
 * @param stuckSlots slots held by jobs that ignored a stop request
 * @param host where it runs, as it reported
 * @param connectedAt when it registered
 * @param lastHeartbeatAt when it was last heard from
 * @param draining finishing its running jobs before it leaves; it takes no new ones
 * @param unsentLeases leases granted to it but held in the coordinator because it is not reading
 *     its stream (flow control); non-zero for long means a slow or stuck agent
 * @param labels the labels it registered, which jobs' constraints match
 */
public record WorkerInfo(String name, List<String> jobTypes, int slots, List<JobId> runningJobIds,
    int stuckSlots, String host, @Nullable Instant connectedAt, @Nullable Instant lastHeartbeatAt, boolean draining,
    int unsentLeases, java.util.Map<String, String> labels) {}
