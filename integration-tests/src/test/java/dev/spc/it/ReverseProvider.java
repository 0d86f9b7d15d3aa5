package dev.spc.it;

import dev.spc.worker.JobHandler;
import dev.spc.worker.JobHandlerProvider;
import java.util.Map;

/**
 * A handler that agents only offer when started with {@code --plugins} pointing at a jar whose
 * service file names this class (the class itself is on every test JVM's classpath).
 */
public final class ReverseProvider implements JobHandlerProvider {
  @Override
  public Map<String, JobHandler> handlers() {
    return Map.of("reverse", (JobHandler) ctx ->
        ctx.setResult(new StringBuilder(String.join(" ", ctx.args())).reverse().toString()));
  }
}
