package dev.spc.worker.internal;

import java.util.List;
import java.util.Map;

/** Who an agent is: its name, where it connects, what it runs and the labels jobs route by. */
public record AgentIdentity(String name, String target, List<String> types, int slots, String host,
    Map<String, String> labels) {}
