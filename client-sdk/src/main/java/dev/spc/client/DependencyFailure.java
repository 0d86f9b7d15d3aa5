package dev.spc.client;

/** What a dependency that ends other than DONE does to the job that waits for it. */
public enum DependencyFailure {
  /** A link: the job ends CANCELLED, naming the dependency, and so do the jobs that wait for it. */
  CANCEL,
  /** A monitor: the job runs once all its dependencies are done, whatever their outcomes. */
  RUN
}
