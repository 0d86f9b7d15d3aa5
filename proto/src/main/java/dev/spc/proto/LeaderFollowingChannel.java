package dev.spc.proto;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A channel to a cluster of coordinators of which one leads: calls go to the coordinator believed
 * to lead. A refusal that names the leader ({@link LeaderHint}) moves calls there; a coordinator
 * that cannot be reached moves them to the next address of the list. The caller's retries (the
 * SDK's, the agent's reconnects) then land on the leader.
 */
public final class LeaderFollowingChannel extends Channel implements AutoCloseable {
  private final List<String> addresses;
  private final Function<String, ManagedChannel> open;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile String current;

  /** Calls go to {@code addresses.get(0)} first; {@code open} makes the channel to an address. */
  public LeaderFollowingChannel(List<String> addresses, Function<String, ManagedChannel> open) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("at least one coordinator address is needed");
    }
    this.addresses = new ArrayList<>(addresses);
    this.open = open;
    this.current = addresses.get(0);
  }

  /** {@code a:7070,b:7070} as a list; blanks dropped. */
  public static List<String> parse(String targets) {
    List<String> out = new ArrayList<>();
    for (String t : targets.split(",")) {
      if (!t.isBlank()) {
        out.add(t.strip());
      }
    }
    return out;
  }

  /** The address calls go to now. */
  public String current() {
    return current;
  }

  private ManagedChannel channel(String address) {
    return channels.computeIfAbsent(address, open);
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    String to = current;
    return CallEnds.watch(channel(to).newCall(method, options), (status, trailers, answered) -> {
      if (status.getCode() == Status.Code.UNAVAILABLE
          // a coordinator that never answered at all (paused, cut off) is no leader to wait for
          || (status.getCode() == Status.Code.DEADLINE_EXCEEDED && !answered)) {
        moveFrom(to, LeaderHint.of(trailers));
      }
      return status;
    });
  }

  /** Calls go elsewhere than {@code address} (it stopped answering), unless they moved already. */
  public void avoid(String address) {
    moveFrom(address, null);
  }

  private synchronized void moveFrom(String failed, @Nullable String leader) {
    if (!current.equals(failed)) {
      return; // another call moved already
    }
    if (leader != null) {
      if (!addresses.contains(leader)) {
        addresses.add(leader);
      }
      current = leader;
    } else {
      current = addresses.get((addresses.indexOf(failed) + 1) % addresses.size());
    }
  }

  @Override
  public String authority() {
    return channel(current).authority();
  }

  /** Closes every channel opened. */
  @Override
  public void close() {
    for (ManagedChannel c : channels.values()) {
      c.shutdown();
    }
    for (ManagedChannel c : channels.values()) {
      try {
        if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException e) {
        c.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}
