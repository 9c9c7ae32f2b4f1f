import { status } from '@grpc/grpc-js';
import type { Coverage, ErasureGuard, ErasureSubject } from '@signalpath/erasure';
import { isGrpcServiceError, type ParentCall } from '@signalpath/grpc-kit';
import { common, consent, signal } from '@signalpath/proto';
import type { ConsentClient } from '@signalpath/service-clients';
import type { Logger } from '@signalpath/telemetry';

import { textDigest, type KeyedHasher, type RecordKind } from '../domain/keyed-hash';
import {
  activityCandidates,
  applyConsent,
  skipReasonForRefusal,
  toSensitiveClassEnums,
  type CandidateSignal,
  type PurposeDecision,
  type TopicPolicy,
} from '../domain/signal-policy';
import type { OutboxWriter } from '../delivery/outbox-writer';
import type { SignalMeters } from '../telemetry/meters';
import type { E2eSkipDoc, RecordDoc, SignalOrigin, StoredSignal } from '../store/documents';
import { outboxEntryFor } from '../store/outbox-entry';
import type { SignalStore } from '../store/signal-store';
import type { Extraction, TextAnalyzer } from './analyzer';
import { byWeight, signalMessage } from './signal-view';
import type { ValidActivity, ValidInteraction } from './validation';

/** The outcome of one interaction or activity: a result, or a per-item error (google.rpc code). */
export type ItemOutcome =
  | { ok: true; status: signal.IngestStatus; skipReason: signal.SkipReason; signals: signal.Signal[]; suppressed: common.SensitiveClass[] }
  | { ok: false; code: status.INVALID_ARGUMENT | status.ALREADY_EXISTS | status.UNAVAILABLE; message: string; cause?: unknown };

/** One interaction or activity, reduced to what the pipeline needs. */
export interface Unit {
  key: string;
  kind: RecordKind;
  userId: string;
  /**
   * What defines the content, keyed. Compared with a repeat of the same key within one call; stored
   * only for activities (an interaction's would be derived from its text). Empty for
   * end-to-end-encrypted interactions: their text is not even hashed.
   */
  fingerprint: string;
  origin: SignalOrigin;
  endToEndEncrypted: boolean;
  /** Runs extraction (only once consent allows it). */
  extract(): Extraction;
}

export interface IngestionDeps {
  store: SignalStore;
  consent: ConsentClient;
  hasher: KeyedHasher;
  analyzer: TextAnalyzer;
  topicPolicy: TopicPolicy;
  allowSensitiveContent: boolean;
  now: () => Date;
  logger: Logger;
  /** Queues outbox entries right after their records are stored. */
  outbox: OutboxWriter;
  /** Erasure markers, checked before every record is written (docs/erasure.md). */
  guard: ErasureGuard;
  /** Outcome and suppression counters (no user, no topic in their labels). */
  meters?: SignalMeters;
}

const MAX_ELIGIBILITY_QUERIES = 500;

const skipped = (skipReason: signal.SkipReason, suppressed: common.SensitiveClass[] = []): ItemOutcome => ({
  ok: true,
  status: signal.IngestStatus.INGEST_STATUS_SKIPPED,
  skipReason,
  signals: [],
  suppressed,
});

const alreadyExists = (kind: RecordKind): ItemOutcome => ({
  ok: false,
  code: status.ALREADY_EXISTS,
  message: `${kind === 'interaction' ? 'interaction_id' : 'activity_id'} was already recorded with different content`,
});

/** What erasure knows of a unit recorded at `recordedAt`. */
function subjectOf(unit: Unit, recordedAt: Date): ErasureSubject {
  return { userId: unit.userId, aiChat: unit.kind === 'interaction', eventTime: unit.origin.eventTime, recordTime: recordedAt };
}

/** The purposes a stored record serves (a skipped record serves none). */
function purposesOf(record: RecordDoc): { ads: boolean; content: boolean } {
  return { ads: record.signals.some((s) => s.adsEligible), content: record.signals.some((s) => s.contentEligible) };
}

/**
 * The consent decision for a unit less the purposes an erasure covers, or undefined when an
 * erasure covers everything the unit could still serve (it is then skipped as ERASED). A
 * purpose-scoped AI-chat erasure (an AI-chat ads or content opt-out) takes only its own purpose:
 * an old chat message withdrawn from content still counts for ads (invariant 9).
 */
function withoutErasedPurposes(
  coverage: Coverage,
  subject: ErasureSubject,
  decision: { ads: PurposeDecision; content: PurposeDecision },
): { ads: PurposeDecision; content: PurposeDecision } | undefined {
  // Refused for both purposes: recorded as a skip for its consent reason, unless any erasure covers it.
  if (!decision.ads.allowed && !decision.content.allowed) return coverage.covers(subject) ? undefined : decision;
  const erased = (purpose: 'ads' | 'content') =>
    decision[purpose].allowed && coverage.covers({ ...subject, purposes: { ads: purpose === 'ads', content: purpose === 'content' } });
  const ads = erased('ads') ? { allowed: false, reason: consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT } : decision.ads;
  const content = erased('content') ? { allowed: false, reason: consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT } : decision.content;
  return ads.allowed || content.allowed ? { ads, content } : undefined;
}

const unavailable = (cause: unknown): ItemOutcome => ({
  ok: false,
  code: status.UNAVAILABLE,
  message: 'eligibility could not be checked; nothing was stored, retry with the same id',
  cause,
});

/**
 * The ingestion pipeline, for one item or a batch: idempotency → end-to-end encryption →
 * eligibility (ConsentService, fail closed) → extraction → consent per purpose → erasure markers
 * (an erased user's past stays erased) → store → outbox.
 *
 * Crash safety without transactions: the record (ledger entry and signals in one document, unique
 * on the keyed id hash) is the one durable write of a request; nothing is read on the normal
 * path, the insert is the idempotency check. Its outbox entry is written just after by the
 * OutboxWriter; if the process dies first, OutboxRecovery re-queues it from the record, and a
 * caller's retry that finds the record (DUPLICATE) queues it again too. Re-queueing is a no-op
 * when the entry exists and at worst a re-delivery ProfileService ignores (signal ids are
 * deterministic).
 */
export class Ingestion {
  constructor(private readonly deps: IngestionDeps) {}

  interactionUnit(interaction: ValidInteraction): Unit {
    const { hasher, analyzer } = this.deps;
    const key = hasher.recordKey('interaction', interaction.interactionId);
    return {
      key,
      kind: 'interaction',
      userId: interaction.userId,
      fingerprint: interaction.endToEndEncrypted
        ? ''
        : hasher.fingerprint('interaction', [interaction.userId, String(interaction.surface), String(interaction.modality), 'not-e2e', String(interaction.eventTime.getTime()), textDigest(interaction.text)]),
      origin: { surface: interaction.surface, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, modality: interaction.modality, eventTime: interaction.eventTime },
      endToEndEncrypted: interaction.endToEndEncrypted,
      extract: () => analyzer(interaction.text),
    };
  }

  activityUnit(activity: ValidActivity): Unit {
    const { hasher, topicPolicy, allowSensitiveContent } = this.deps;
    const key = hasher.recordKey('activity', activity.activityId);
    const topics = [...new Set(activity.topicIds)].sort();
    return {
      key,
      kind: 'activity',
      userId: activity.userId,
      fingerprint: hasher.fingerprint('activity', [activity.userId, String(activity.surface), String(activity.sourceKind), String(activity.eventTime.getTime()), ...topics]),
      origin: { surface: activity.surface, sourceKind: activity.sourceKind, modality: common.Modality.MODALITY_UNSPECIFIED, eventTime: activity.eventTime },
      endToEndEncrypted: false,
      extract: () => activityCandidates(topics, activity.sourceKind, topicPolicy, { allowSensitiveContent }),
    };
  }

  /**
   * Processes units (an error outcome stands for an item that failed validation) and returns one
   * outcome per item, in order. A unit whose key appeared earlier in the same call is a retry of
   * that one. Store failures are thrown: the whole call fails and is retried.
   */
  async process(items: Array<Unit | ItemOutcome>, parent?: ParentCall): Promise<ItemOutcome[]> {
    const outcomes: Array<ItemOutcome | undefined> = items.map((item) => ('key' in item ? undefined : item));
    const firstIndexOfKey = new Map<string, number>();
    const repeats: Array<[index: number, firstIndex: number]> = [];
    items.forEach((item, index) => {
      if (!('key' in item)) return;
      const first = firstIndexOfKey.get(item.key);
      if (first === undefined) firstIndexOfKey.set(item.key, index);
      else repeats.push([index, first]);
    });
    const primaries = [...firstIndexOfKey.values()].map((index) => ({ index, unit: items[index] as Unit }));
    const encrypted = primaries.filter((p) => p.unit.endToEndEncrypted);
    const needConsent = primaries.filter((p) => !p.unit.endToEndEncrypted);

    // The erasure markers are read while ConsentService answers (the write bound runs from here).
    const coverage = needConsent.length > 0 ? this.deps.guard.check(needConsent.map((p) => p.unit.userId)) : undefined;
    coverage?.catch(() => undefined); // awaited below when needed; never an unhandled rejection
    const [e2eOutcomes, decisions] = await Promise.all([
      this.skipEncrypted(encrypted.map((p) => p.unit)),
      this.checkEligibility(needConsent.map((p) => p.unit), parent).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
    ]);
    encrypted.forEach((p, i) => (outcomes[p.index] = e2eOutcomes[i]));

    if ('error' in decisions) {
      this.deps.logger.warn({ code: isGrpcServiceError(decisions.error) ? status[decisions.error.code] : 'unknown', items: needConsent.length }, 'eligibility check failed; failing closed');
      // Already recorded ones can still be answered from the ledger; the rest must be retried.
      const existing = await this.deps.store.findRecords(needConsent.map((p) => p.unit.key));
      const reenqueue: RecordDoc[] = [];
      for (const p of needConsent) {
        const record = existing.get(p.unit.key);
        outcomes[p.index] = record ? this.fromExisting(p.unit, record, reenqueue) : unavailable(decisions.error);
      }
      this.enqueue(reenqueue);
    } else {
      await this.record(needConsent, decisions.value, outcomes, coverage);
    }

    for (const [index, firstIndex] of repeats) outcomes[index] = this.repeatOutcome(items[index] as Unit, items[firstIndex] as Unit, outcomes[firstIndex] as ItemOutcome);
    const done = outcomes as ItemOutcome[];
    const { meters } = this.deps;
    if (meters) {
      done.forEach((o, i) => {
        const item = items[i];
        const kind = 'key' in item ? item.kind : 'unparsed';
        meters.outcome(kind, o.ok ? o : { code: status[o.code] });
      });
    }
    if (this.deps.logger.isLevelEnabled('debug')) {
      const count = (test: (o: ItemOutcome) => boolean) => done.filter(test).length;
      this.deps.logger.debug(
        {
          items: done.length,
          accepted: count((o) => o.ok && o.status === signal.IngestStatus.INGEST_STATUS_ACCEPTED),
          duplicate: count((o) => o.ok && o.status === signal.IngestStatus.INGEST_STATUS_DUPLICATE),
          skipped: count((o) => o.ok && o.status === signal.IngestStatus.INGEST_STATUS_SKIPPED),
          unsupportedLanguage: count((o) => o.ok && o.skipReason === signal.SkipReason.SKIP_REASON_UNSUPPORTED_LANGUAGE),
          failed: count((o) => !o.ok),
        },
        'ingested',
      );
    }
    return done;
  }

  /**
   * Stores the records of units whose eligibility is known (one unordered insert: the records are
   * the durable commitment), then queues their outbox entries.
   */
  private async record(
    units: Array<{ index: number; unit: Unit }>,
    decisions: Array<{ ads: PurposeDecision; content: PurposeDecision }>,
    outcomes: Array<ItemOutcome | undefined>,
    markers: Promise<Coverage> | undefined,
  ): Promise<void> {
    if (units.length === 0 || !markers) return;
    const { store, outbox } = this.deps;
    const coverage = await markers;
    const { ticket, recordedAt } = await outbox.begin();
    // Erasure first: nothing about an event before a cut-off is recorded again, not even a skip.
    const open: Array<{ index: number; unit: Unit; decision: { ads: PurposeDecision; content: PurposeDecision } }> = [];
    units.forEach(({ index, unit }, i) => {
      const decision = withoutErasedPurposes(coverage, subjectOf(unit, recordedAt), decisions[i]);
      if (decision) open.push({ index, unit, decision });
      else outcomes[index] = skipped(signal.SkipReason.SKIP_REASON_ERASED);
    });
    let fresh: Array<{ index: number; unit: Unit; record: RecordDoc; suppressed: common.SensitiveClass[]; language: string }>;
    let duplicates: Set<number>;
    let erased: Set<number>;
    try {
      fresh = open.map(({ index, unit, decision }) => ({ index, unit, ...this.decide(unit, decision, recordedAt) }));
      duplicates = await store.insertRecords(fresh.map((f) => f.record));
      erased = await this.undoIfErased(coverage, fresh, duplicates, recordedAt);
    } catch (error) {
      // Nothing acknowledged: the caller retries with the same ids, and a retry that finds a
      // record stored by this attempt queues its entry (DUPLICATE path below).
      outbox.abandon(ticket);
      throw error;
    }
    for (const i of erased) outcomes[fresh[i].index] = skipped(signal.SkipReason.SKIP_REASON_ERASED);
    const stored = fresh.filter((_, i) => !duplicates.has(i) && !erased.has(i));
    outbox.add(
      stored.filter((f) => f.record.status === signal.IngestStatus.INGEST_STATUS_ACCEPTED).map((f) => outboxEntryFor(f.record, recordedAt)),
      ticket,
    );
    for (const f of stored) outcomes[f.index] = resultOf(f.record, f.record.status, f.suppressed);
    // Counted once, where the record is stored: a retry answered from the ledger is not counted again.
    for (const f of stored) for (const sensitiveClass of f.suppressed) this.deps.meters?.suppression(sensitiveClass, f.language);
    if (duplicates.size === 0) return;

    const again = fresh.filter((_, i) => duplicates.has(i));
    const existing = await store.findRecords(again.map((f) => f.record._id));
    const reenqueue: RecordDoc[] = [];
    for (const f of again) {
      const record = existing.get(f.record._id);
      // Deleted between our insert and this read (an erasure ran): nothing is stored, retry.
      outcomes[f.index] = record ? this.fromExisting(f.unit, record, reenqueue) : unavailable(undefined);
    }
    this.enqueue(reenqueue);
  }

  /**
   * A write that finished later than the guard's bound after its check may have raced an erasure
   * that already made its final pass: check again and delete the records an erasure now covers.
   * Returns the indexes (into `fresh`) removed.
   */
  private async undoIfErased(coverage: Coverage, fresh: Array<{ unit: Unit; record: RecordDoc }>, duplicates: Set<number>, recordedAt: Date): Promise<Set<number>> {
    const { guard, store } = this.deps;
    if (!guard.isLate(coverage)) return new Set();
    const inserted = fresh.map((f, i) => ({ f, i })).filter(({ i }) => !duplicates.has(i));
    const again = await guard.check(inserted.map(({ f }) => f.unit.userId));
    const covered = inserted.filter(({ f }) => again.covers({ ...subjectOf(f.unit, recordedAt), purposes: purposesOf(f.record) }));
    await store.deleteRecords(covered.map(({ f }) => f.record._id));
    return new Set(covered.map(({ i }) => i));
  }

  /** The record of a unit allowed for at least one purpose, or skipped with the reason. */
  private decide(
    unit: Unit,
    decision: { ads: PurposeDecision; content: PurposeDecision },
    recordedAt: Date,
  ): { record: RecordDoc; suppressed: common.SensitiveClass[]; language: string } {
    // An interaction's record keeps nothing derived from its text but its signals (docs/erasure.md).
    const fingerprint = unit.kind === 'activity' ? { fingerprint: unit.fingerprint } : {};
    const base = { _id: unit.key, kind: unit.kind, userId: unit.userId, ...fingerprint, recordedAt, signals: [] as StoredSignal[] };
    const allowed = { ads: decision.ads.allowed, content: decision.content.allowed };
    if (!allowed.ads && !allowed.content) {
      return {
        record: { ...base, status: signal.IngestStatus.INGEST_STATUS_SKIPPED, skipReason: skipReasonForRefusal(decision.ads, decision.content), analyzed: false },
        suppressed: [],
        language: 'none',
      };
    }
    const extraction = unit.extract();
    // A metrics label only (a language code, or "none" for activities): never stored.
    const language = extraction.language?.code ?? 'none';
    if (extraction.language?.supported === false) {
      // Privacy invariant 8: a text the extractor cannot read teaches nothing; counted by its own reason.
      return { record: { ...base, status: signal.IngestStatus.INGEST_STATUS_SKIPPED, skipReason: signal.SkipReason.SKIP_REASON_UNSUPPORTED_LANGUAGE, analyzed: true }, suppressed: [], language };
    }
    const suppressed = toSensitiveClassEnums(extraction.suppressed);
    const kept = applyConsent(extraction.candidates, allowed, (topicId) => this.deps.topicPolicy.isNeverForAds(topicId));
    if (kept.length === 0) {
      // The classes found are reported to the caller but never stored: that would record the sensitive fact itself.
      return { record: { ...base, status: signal.IngestStatus.INGEST_STATUS_SKIPPED, skipReason: signal.SkipReason.SKIP_REASON_NO_TOPICS, analyzed: true }, suppressed, language };
    }
    const signals = byWeight(kept.map((candidate) => this.storedSignal(unit.key, candidate)));
    return {
      record: { ...base, ...unit.origin, status: signal.IngestStatus.INGEST_STATUS_ACCEPTED, skipReason: signal.SkipReason.SKIP_REASON_UNSPECIFIED, analyzed: true, signals, writer: this.deps.outbox.writerId },
      suppressed,
      language,
    };
  }

  private storedSignal(recordKey: string, candidate: CandidateSignal): StoredSignal {
    return {
      signalId: this.deps.hasher.signalId(recordKey, candidate.topicId),
      topicId: candidate.topicId,
      weight: candidate.weight,
      adsEligible: candidate.adsEligible,
      contentEligible: candidate.contentEligible,
    };
  }

  /**
   * A unit whose key is already recorded: other content → ALREADY_EXISTS; the same → DUPLICATE with
   * the first result, and its outbox entry is queued again in case the first attempt stopped
   * before queueing it.
   *
   * "The same content" is judged only on what the record holds, never on a fingerprint of the
   * text: the user; for an activity its keyed fingerprint (caller-given ids, no text); for an
   * accepted interaction its surface, modality, event time and that the text yields every stored
   * signal again. A skipped interaction keeps nothing to compare, so any retry of its id by the
   * same user is its DUPLICATE.
   */
  private fromExisting(unit: Unit, record: RecordDoc, reenqueue: RecordDoc[]): ItemOutcome {
    if (unit.endToEndEncrypted || record.kind !== unit.kind || record.userId !== unit.userId) return alreadyExists(unit.kind);
    // Activities, and interaction records from before fingerprints were dropped.
    if (record.fingerprint !== undefined && record.fingerprint !== unit.fingerprint) return alreadyExists(unit.kind);
    const extraction = record.analyzed ? unit.extract() : undefined;
    if (unit.kind === 'interaction' && record.status === signal.IngestStatus.INGEST_STATUS_ACCEPTED && !sameInteraction(unit, record, extraction)) return alreadyExists(unit.kind);
    if (record.status === signal.IngestStatus.INGEST_STATUS_ACCEPTED) reenqueue.push(record);
    // Same content, so extraction gives the same classes as the first time; they were never stored.
    const suppressed = extraction ? toSensitiveClassEnums(extraction.suppressed) : [];
    return resultOf(record, signal.IngestStatus.INGEST_STATUS_DUPLICATE, suppressed);
  }

  /** A later item of the same call with the same key: a retry of the first one. */
  private repeatOutcome(unit: Unit, first: Unit, firstOutcome: ItemOutcome): ItemOutcome {
    if (unit.endToEndEncrypted !== first.endToEndEncrypted || unit.fingerprint !== first.fingerprint) return alreadyExists(unit.kind);
    if (!firstOutcome.ok) return firstOutcome;
    // An end-to-end-encrypted interaction is never recorded, so a repeat is skipped again (and counted once).
    if (unit.endToEndEncrypted) return firstOutcome;
    return { ...firstOutcome, status: signal.IngestStatus.INGEST_STATUS_DUPLICATE };
  }

  /**
   * End-to-end-encrypted interactions: nothing is analyzed or stored, only the user's counter
   * moves. An id recorded earlier as a normal interaction is a different content.
   */
  private async skipEncrypted(units: Unit[]): Promise<ItemOutcome[]> {
    if (units.length === 0) return [];
    const { store, guard, hasher, now } = this.deps;
    const existing = await store.findRecords(units.map((u) => u.key));
    const counted = units.filter((unit) => !existing.has(unit.key)).map((unit) => ({ unit, doc: { _id: hasher.e2eKey(unit.key), userId: unit.userId } satisfies E2eSkipDoc }));
    const recordedAt = now();
    // Not counted when an erasure covers it; a late write re-checks and takes its count back.
    await guard.write(
      counted,
      ({ unit }) => subjectOf(unit, recordedAt),
      (kept) => store.countE2eSkips(kept.map((k) => k.doc)),
      (covered) => store.deleteE2eSkips(covered.map((c) => c.item.doc._id)),
    );
    return units.map((unit) => (existing.has(unit.key) ? alreadyExists(unit.kind) : skipped(signal.SkipReason.SKIP_REASON_END_TO_END_ENCRYPTED)));
  }

  /**
   * Ads and content eligibility for each unit from ConsentService, in as few calls as possible:
   * identical questions are asked once, 500 per BatchCheckEligibility call, calls in parallel.
   */
  private async checkEligibility(units: Unit[], parent?: ParentCall): Promise<Array<{ ads: PurposeDecision; content: PurposeDecision }>> {
    if (units.length === 0) return [];
    const queries: consent.EligibilityQuery[] = [];
    const queryIndex = new Map<string, number>();
    const ask = (unit: Unit, purpose: common.Purpose): number => {
      // The source kind is part of the question: AI-chat choices govern AI-chat data only.
      const sourceKind = unit.origin.sourceKind;
      const id = `${unit.userId}\u0000${unit.origin.surface}\u0000${purpose}\u0000${sourceKind}\u0000${unit.origin.eventTime.getTime()}`;
      let index = queryIndex.get(id);
      if (index === undefined) {
        index = queries.length;
        queries.push({ userId: unit.userId, surface: unit.origin.surface, purpose, sourceKind, eventTime: unit.origin.eventTime, endToEndEncrypted: false });
        queryIndex.set(id, index);
      }
      return index;
    };
    const asked = units.map((unit) => ({ ads: ask(unit, common.Purpose.PURPOSE_ADS), content: ask(unit, common.Purpose.PURPOSE_CONTENT) }));
    const chunks: consent.EligibilityQuery[][] = [];
    for (let i = 0; i < queries.length; i += MAX_ELIGIBILITY_QUERIES) chunks.push(queries.slice(i, i + MAX_ELIGIBILITY_QUERIES));
    const answers = await Promise.all(
      chunks.map(async (chunk) => {
        const response = await this.deps.consent.batchCheckEligibility({ queries: chunk }, { parent });
        if (response.decisions.length !== chunk.length) throw new Error('ConsentService answered a different number of decisions');
        return response.decisions;
      }),
    );
    const decisions = answers.flat();
    const decision = (i: number): PurposeDecision => ({ allowed: decisions[i].allowed === true, reason: decisions[i].reason });
    return asked.map((a) => ({ ads: decision(a.ads), content: decision(a.content) }));
  }

  /** Queues (again) the outbox entries of records found already stored. */
  private enqueue(records: RecordDoc[]): void {
    const now = this.deps.now();
    this.deps.outbox.add(records.map((record) => outboxEntryFor(record, now)));
  }
}

/**
 * Whether a retried interaction is the one an accepted record holds: same origin, and its text
 * yields every stored signal (topic and weight) again. Built from what is stored anyway, so it
 * confirms nothing about a text that the stored signals do not already say.
 */
function sameInteraction(unit: Unit, record: RecordDoc, extraction: Extraction | undefined): boolean {
  const origin = unit.origin;
  if (record.surface !== origin.surface || record.modality !== origin.modality || record.eventTime?.getTime() !== origin.eventTime.getTime()) return false;
  const weights = new Map<string, Set<number>>();
  for (const candidate of extraction?.candidates ?? []) {
    const set = weights.get(candidate.topicId) ?? new Set<number>();
    set.add(Math.min(1, candidate.weight));
    weights.set(candidate.topicId, set);
  }
  return record.signals.every((stored) => weights.get(stored.topicId)?.has(stored.weight) === true);
}

function resultOf(record: RecordDoc, resultStatus: signal.IngestStatus, suppressed: common.SensitiveClass[]): ItemOutcome {
  return {
    ok: true,
    status: resultStatus,
    skipReason: record.skipReason,
    signals: record.signals.map((stored) => signalMessage(stored, record)),
    suppressed,
  };
}

