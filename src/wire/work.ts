/**
 * Work counters for the code paths whose cost must stay linear (or bounded) in hostile input: a
 * long extension list, a stream split into tiny pieces, a CRL with many entries, a certificate
 * path search through a cycle, a large root bundle. Each path adds its basic steps here, so tests
 * bound the work itself — an operation count, which a quadratic implementation cannot meet —
 * instead of wall time, which depends on the machine's load.
 *
 * Counting is an integer addition per step; nothing in tlskit reads the counters. A change to one
 * of these paths keeps counting its steps (a new duplicate check counts its comparisons, a new
 * copy counts its bytes), so the tests keep meaning what they say.
 *
 * @example
 * const before = workCounters.duplicateProbes;
 * decodeExtensions(reader, 'ClientHello.extensions');
 * const probes = workCounters.duplicateProbes - before;
 */
export const workCounters = {
  /** Duplicate detection: one per comparison or set lookup (extension types, key_share groups, CRL serials). */
  duplicateProbes: 0,
  /** ByteQueue (deframer, reassembler): bytes copied out of pushed chunks. */
  queueBytesCopied: 0,
  /** ByteQueue: chunks visited by peek() and chunk slots moved by compaction. */
  queueChunkSteps: 0,
  /** CRL lookups: revoked entries compared with a certificate's serial number. */
  crlEntriesScanned: 0,
  /** Certificate path building: partial paths examined (calls of the search step). */
  pathSearchSteps: 0,
  /** Trust stores: indexes built (PEM decoded, subject Names walked). */
  trustIndexBuilds: 0,
  /** Trust stores: anchors fully parsed (lazily, when a path reaches their name). */
  trustAnchorsParsed: 0,
};

export type WorkCounter = keyof typeof workCounters;

/**
 * Runs `fn` and returns its result with how much each counter grew meanwhile (for tests).
 *
 * @example
 * const { result, work } = measureWork(() => decodeExtensions(reader, 'Test.extensions'));
 * assert.ok(work.duplicateProbes <= 2 * result.length);
 */
export function measureWork<T>(fn: () => T): { readonly result: T; readonly work: Readonly<Record<WorkCounter, number>> } {
  const before = { ...workCounters };
  const result = fn();
  const work = { ...workCounters };
  for (const k of Object.keys(work) as WorkCounter[]) work[k] -= before[k];
  return { result, work };
}
