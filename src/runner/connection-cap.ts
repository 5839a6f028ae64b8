/**
 * connectionCap is the generator's own limit on requests outstanding per traffic stream in an
 * open loop. Each in-flight request holds a connection, each connection a file descriptor — two
 * when the target is an embedded mock in this very process (its server side too) — and a process
 * past its descriptor limit fails with EMFILE, which would be filed against the target. So the
 * streams share the descriptors left after a reserve (Node's own, the result files, the mock
 * thread): an arrival past its stream's share is dropped by the generator and counted so.
 *
 * `explicit` (the scenario's load.maxConnections) wins; without a known limit there is no cap.
 */
export function connectionCap(
  fileDescriptorLimit: number | undefined,
  streamWeights: readonly number[],
  explicit?: number,
): number | undefined {
  if (explicit !== undefined) return explicit;
  if (fileDescriptorLimit === undefined || !streamWeights.length) return undefined;
  const reserve = Math.max(64, Math.floor(fileDescriptorLimit * 0.1));
  const units = streamWeights.reduce((a, b) => a + b, 0);
  return Math.max(1, Math.floor((fileDescriptorLimit - reserve) / units));
}
