package dev.spc.client;

import java.util.List;
import java.util.Optional;

/**
 * One page of {@link SpcClient#list}: jobs in submission order and the token for the next page.
 *
 * @param jobs the jobs on this page
 * @param nextPageToken pass to the next call; empty on the last page
 */
public record JobPage(List<JobStatus> jobs, Optional<String> nextPageToken) {}
