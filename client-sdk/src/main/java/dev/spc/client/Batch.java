package dev.spc.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Jobs submitted together, all or nothing, with dependencies among them: a whole graph in one
 * call ({@link SpcClient#submit(Batch)}), cycles impossible since a job waits only for ones added
 * before it.
 *
 * <pre>{@code
 * Batch batch = Batch.create();
 * Batch.Node fetch = batch.add(JobSpec.of("fetch", "a"));
 * Batch.Node parse = batch.add(JobSpec.of("parse")).after(fetch);
 * batch.add(JobSpec.of("report")).after(fetch, parse);
 * List<JobId> ids = spc.submit(batch); // in the order added
 * }</pre>
 */
public final class Batch {
  private final List<Node> nodes = new ArrayList<>();

  private Batch() {}

  public static Batch create() {
    return new Batch();
  }

  /** Adds a job; its id is at {@link Node#index()} in what {@link SpcClient#submit(Batch)} returns. */
  public Node add(JobSpec spec) {
    Node n = new Node(nodes.size(), Objects.requireNonNull(spec, "spec"));
    nodes.add(n);
    return n;
  }

  public int size() {
    return nodes.size();
  }

  /** One job of a batch. */
  public final class Node {
    private final int index;
    private final JobSpec spec;
    private final List<Integer> after = new ArrayList<>();

    private Node(int index, JobSpec spec) {
      this.index = index;
      this.spec = spec;
    }

    public int index() {
      return index;
    }

    public JobSpec spec() {
      return spec;
    }

    /** This job waits for these, added to the same batch before it. */
    public Node after(Node... dependencies) {
      for (Node d : dependencies) {
        if (d.batch() != Batch.this) {
          throw new IllegalArgumentException("a job can wait only for jobs of its own batch");
        }
        if (d.index >= index) {
          throw new IllegalArgumentException("job " + index + " can wait only for jobs added before it, not " + d.index);
        }
        after.add(d.index);
      }
      return this;
    }

    private Batch batch() {
      return Batch.this;
    }
  }

  List<dev.spc.proto.JobSpec> toProto() {
    List<dev.spc.proto.JobSpec> out = new ArrayList<>(nodes.size());
    for (Node n : nodes) {
      out.add(n.after.isEmpty() ? n.spec.toProto() : n.spec.toProto().toBuilder().addAllDependsOnIndex(n.after).build());
    }
    return out;
  }
}
