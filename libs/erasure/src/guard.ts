import { performance } from 'node:perf_hooks';

import { markerCovers, type ErasureMarkerDoc, type ErasureMarkers, type ErasureScopeName, type ErasureSubject } from './markers';

/** What the markers said about some users at one moment. */
export class Coverage {
  constructor(
    private readonly byUser: ReadonlyMap<string, readonly ErasureMarkerDoc[]>,
    /** Monotonic time (performance.now) taken before the markers were read. */
    readonly checkedAt: number,
  ) {}

  /** The widest scope of an erasure covering the subject, or undefined when none does. */
  scopeCovering(subject: ErasureSubject): ErasureScopeName | undefined {
    let found: ErasureScopeName | undefined;
    for (const marker of this.byUser.get(subject.userId) ?? []) {
      if (!markerCovers(marker, subject)) continue;
      if (marker.scope === 'all') return 'all';
      // Any AI-chat-scoped marker: the write's AI-chat part is undone whole (fail closed).
      found = 'ai_chat';
    }
    return found;
  }

  covers(subject: ErasureSubject): boolean {
    return this.scopeCovering(subject) !== undefined;
  }
}

export interface GuardedWrite<T, R> {
  /** Written (and not undone). */
  kept: T[];
  /** Covered by an erasure when checked: never written. */
  dropped: T[];
  /** Written, then undone: an erasure recorded meanwhile covers them. */
  undone: T[];
  /** What `write` returned, when it ran. */
  result?: R;
}

/**
 * Every write of user data goes through here (docs/erasure.md):
 * 1. check the erasure markers of the users concerned and drop what they cover;
 * 2. write the rest;
 * 3. if the write finished later than `writeBoundMs` after the check, check again and undo what
 *    an erasure recorded meanwhile covers.
 * An erasure records its marker, waits `fenceMs` (≥ 2 × writeBoundMs) and erases once more before
 * it confirms: a write checked before the marker existed either finished before that final pass
 * (which removes it) or finished late and undid itself. Only durations are compared, each on
 * one process's monotonic clock, never two machines' wall clocks.
 */
export class ErasureGuard {
  private readonly clock: () => number;

  constructor(
    readonly markers: ErasureMarkers,
    private readonly options: { writeBoundMs: number; clock?: () => number },
  ) {
    this.clock = options.clock ?? (() => performance.now());
  }

  get writeBoundMs(): number {
    return this.options.writeBoundMs;
  }

  /** Reads the markers of these users now. */
  async check(userIds: Iterable<string>): Promise<Coverage> {
    const checkedAt = this.clock();
    return new Coverage(await this.markers.forUsers(userIds), checkedAt);
  }

  /** Whether a write checked by `coverage` that finishes now is late (must re-check). */
  isLate(coverage: Coverage): boolean {
    return this.clock() - coverage.checkedAt > this.options.writeBoundMs;
  }

  /**
   * Writes `items` an erasure does not cover (checked now, or by `coverage` when the caller
   * checked just before), then re-checks and undoes if the write finished late. `undo` gets the
   * covered items with the widest covering scope; it must remove whatever the write stored
   * for them. Failures of `write` or `undo` are thrown.
   */
  async write<T, R>(
    items: readonly T[],
    subjectOf: (item: T) => ErasureSubject,
    write: (kept: T[]) => Promise<R>,
    undo: (covered: Array<{ item: T; scope: ErasureScopeName }>) => Promise<void>,
    coverage?: Coverage,
  ): Promise<GuardedWrite<T, R>> {
    if (items.length === 0) return { kept: [], dropped: [], undone: [] };
    const checked = coverage ?? (await this.check(items.map((item) => subjectOf(item).userId)));
    const kept: T[] = [];
    const dropped: T[] = [];
    for (const item of items) (checked.covers(subjectOf(item)) ? dropped : kept).push(item);
    if (kept.length === 0) return { kept, dropped, undone: [] };
    const result = await write(kept);
    if (!this.isLate(checked)) return { kept, dropped, undone: [], result };
    const again = await this.check(kept.map((item) => subjectOf(item).userId));
    const covered = kept.flatMap((item) => {
      const scope = again.scopeCovering(subjectOf(item));
      return scope ? [{ item, scope }] : [];
    });
    if (covered.length === 0) return { kept, dropped, undone: [], result };
    await undo(covered);
    const undone = new Set(covered.map((c) => c.item));
    return { kept: kept.filter((item) => !undone.has(item)), dropped, undone: [...undone], result };
  }
}
