package dev.spc.client;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Function;

/**
 * One page of {@link SpcClient#list}: jobs in submission order and the token for the next page.
 *
 * @param jobs the jobs on this page
 * @param nextPageToken pass to the next call; empty on the last page
 */
public record JobPage(List<JobStatus> jobs, Optional<String> nextPageToken) {
  /** Every job of every page, fetched page by page as the iteration reaches it. */
  static Iterable<JobStatus> all(Function<String, JobPage> fetch) {
    return () -> new Iterator<>() {
      private Iterator<JobStatus> page = List.<JobStatus>of().iterator();
      private String token = "";
      private boolean last;

      @Override
      public boolean hasNext() {
        while (!page.hasNext() && !last) {
          JobPage p = fetch.apply(token);
          page = p.jobs().iterator();
          token = p.nextPageToken().orElse("");
          last = token.isEmpty();
        }
        return page.hasNext();
      }

      @Override
      public JobStatus next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return page.next();
      }
    };
  }
}
