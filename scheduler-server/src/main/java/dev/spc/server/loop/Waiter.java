package dev.spc.server.loop;

import dev.spc.proto.Job;
import java.util.List;

/** A caller blocked in WaitJob or WaitAnyJob, registered on each job it waits for. */
final class Waiter {
  final long id;
  final List<JobRecord> jobs;
  final Reply<Job> reply;

  Waiter(long id, List<JobRecord> jobs, Reply<Job> reply) {
    this.id = id;
    this.jobs = jobs;
    this.reply = reply;
  }
}
