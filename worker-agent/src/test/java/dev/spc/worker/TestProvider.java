package dev.spc.worker;

import java.util.Map;

/** Registered in META-INF/services for {@link HandlerDiscoveryTest}. */
public final class TestProvider implements JobHandlerProvider {
  @Override
  public Map<String, JobHandler> handlers() {
    return Map.of("test.reverse", ctx ->
        ctx.setResult(new StringBuilder(String.join(" ", ctx.args())).reverse().toString()));
  }
}
