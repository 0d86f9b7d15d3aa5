package dev.spc.worker;

import java.util.Map;

/**
 * Contributes handlers to a standalone agent through {@link java.util.ServiceLoader}: put a jar
 * with an implementation and a {@code META-INF/services/dev.spc.worker.JobHandlerProvider} file
 * naming it on the agent's classpath (or in its {@code --plugins} directory).
 */
public interface JobHandlerProvider {
  /** Job type to handler. Types are 1-128 characters of {@code [A-Za-z0-9._:/-]}. */
  Map<String, JobHandler> handlers();
}
