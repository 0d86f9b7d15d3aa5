/**
 * The coordinator's state machine, owned by one thread ({@link dev.spc.server.loop.EventLoop}).
 *
 * <p>"Rule N" in this package and its tests is rule N of {@code docs/rules.md}, which states each
 * scheduling rule, the job and lease state tables, and where each rule lives.
 */
package dev.spc.server.loop;
