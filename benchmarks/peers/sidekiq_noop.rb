# No-op Sidekiq job for the side-by-side burn-down. Each run counts itself in Redis.
require "sidekiq"
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)

REDIS_URL = ENV.fetch("PEER_REDIS", "redis://127.0.0.1:6390/0")
Sidekiq.configure_server { |c| c.redis = { url: REDIS_URL } }
Sidekiq.configure_client { |c| c.redis = { url: REDIS_URL } }

class NoopJob
  include Sidekiq::Worker
  sidekiq_options retry: false, backtrace: false

  def perform
    Sidekiq.redis { |r| r.incr("peer:done") }
  end
end

if $PROGRAM_NAME == __FILE__
  n = Integer(ARGV[0])
  start = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  # Bulk push, as Sidekiq's docs recommend for enqueuing many jobs.
  (0...n).each_slice(1000) { |s| Sidekiq::Client.push_bulk("class" => NoopJob, "args" => Array.new(s.size) { [] }) }
  loop do
    done = Sidekiq.redis { |r| r.get("peer:done") }.to_i
    break if done >= n
    sleep 0.002
  end
  elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - start
  sleep 0.5
  done = Sidekiq.redis { |r| r.get("peer:done") }.to_i
  puts format("sidekiq jobs=%d done=%d seconds=%.3f jobs_per_s=%.0f", n, done, elapsed, n / elapsed)
  exit(done == n ? 0 : 1)
end
