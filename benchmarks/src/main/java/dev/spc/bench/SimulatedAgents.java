package dev.spc.bench;

import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.Heartbeat;
import dev.spc.proto.Register;
import dev.spc.proto.Registered;
import dev.spc.proto.WorkerMessage;
import dev.spc.proto.WorkerServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many agents from one process: each a stream that registers and then heartbeats at the idle
 * interval the coordinator asks for (which grows with the fleet, see Registered). They handle a
 * job type nobody submits, so they only cost the coordinator their connections and heartbeats.
 */
final class SimulatedAgents implements AutoCloseable {
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
  private final AtomicInteger registered = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();

  SimulatedAgents(String target, int agents, int perChannel) {
    for (int i = 0; i < agents; i++) {
      if (i % perChannel == 0) {
        channels.add(Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build());
      }
      ManagedChannel ch = channels.get(channels.size() - 1);
      String name = "sim-" + i;
      Object lock = new Object();
      var out = new java.util.concurrent.atomic.AtomicReference<StreamObserver<WorkerMessage>>();
      out.set(WorkerServiceGrpc.newStub(ch).connect(new StreamObserver<CoordinatorMessage>() {
        @Override
        public void onNext(CoordinatorMessage m) {
          // Idle agents: they heartbeat at the idle interval the coordinator gives, as real ones do.
          if (m.hasRegistered()) {
            registered.incrementAndGet();
            Registered r = m.getRegistered();
            beat(Math.max(r.getHeartbeatIntervalMs(), r.getIdleHeartbeatIntervalMs()));
          } else if (m.hasCadence()) {
            beat(m.getCadence().getIdleHeartbeatIntervalMs());
          }
        }

        private java.util.concurrent.@org.jspecify.annotations.Nullable ScheduledFuture<?> beating;

        /** Heartbeats every {@code interval} from a random phase, so the fleet's beats spread. */
        private synchronized void beat(long interval) {
          if (beating != null) {
            beating.cancel(false);
          }
          beating = timer.scheduleAtFixedRate(() -> {
            synchronized (lock) {
              java.util.Objects.requireNonNull(out.get()).onNext(WorkerMessage.newBuilder()
                  .setHeartbeat(Heartbeat.getDefaultInstance()).build());
            }
          }, (long) (Math.random() * interval), interval, TimeUnit.MILLISECONDS);
        }

        @Override
        public void onError(Throwable t) {
          failed.incrementAndGet();
        }

        @Override
        public void onCompleted() {}
      }));
      synchronized (lock) {
        java.util.Objects.requireNonNull(out.get()).onNext(WorkerMessage.newBuilder().setRegister(Register.newBuilder()
            .setName(name).addJobTypes("sim.idle").setSlots(1).setHost("bench")).build());
      }
    }
  }

  int registered() {
    return registered.get();
  }

  int failed() {
    return failed.get();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
  }
}
