import { randomUUID } from 'node:crypto';
import { requestDeadlineRule, requestDueTime } from '@signalpath/consent-policy';
import { FailedPreconditionError, NotFoundError } from '@signalpath/grpc-kit';
import type { Logger } from '@signalpath/telemetry';
import type { ErasureJobDoc, ScopeName } from '../store/documents';
import { OPEN_STATES, type RejectionReasonName, type RequestDoc, type RequestKind, type RequestState, type RequestStore, type VerificationMethodName } from '../store/request-store';

/** The actor recorded for the workflow's own steps (start, completion). */
export const SYSTEM_ACTOR = 'system';

/** Which state may follow which: RECEIVED → VERIFIED → IN_PROGRESS → COMPLETED, or REJECTED before work starts. */
const NEXT: Record<RequestState, readonly RequestState[]> = {
  RECEIVED: ['VERIFIED', 'REJECTED'],
  VERIFIED: ['IN_PROGRESS', 'REJECTED'],
  IN_PROGRESS: ['COMPLETED'],
  COMPLETED: [],
  REJECTED: [],
};

export interface WorkflowDeps {
  store: RequestStore;
  /** Starts (or finds the unfinished) erasure job of a user and scope. */
  jobs: { start(userId: string, scope: ScopeName, actor: string): Promise<ErasureJobDoc> };
  erasureJobs: { get(jobId: string): Promise<ErasureJobDoc | null> };
  /** The user's region now (empty when unknown): it sets the deadline. */
  regionOf(userId: string): Promise<string>;
  now: () => Date;
  logger: Pick<Logger, 'info' | 'warn'>;
}

export function isOverdue(doc: RequestDoc, now: Date): boolean {
  return OPEN_STATES.includes(doc.state) && doc.due_time.getTime() < now.getTime();
}

/**
 * Data-subject requests (erasure, export) as a workflow with a legal deadline per region
 * (docs/consent.md, "Data-subject requests"). Every transition is one committed step; a lost race
 * re-reads and re-decides. "Verified" means the requester's identity is established: the request
 * carried the person's own end-user assertion (signed by the identity provider, checked by the
 * service-auth interceptor), or an operator recorded that they established it.
 */
export class DataSubjectRequests {
  constructor(private readonly deps: WorkflowDeps) {}

  /** The workflow's clock: what deadlines, `overdue` and ages are judged by. */
  now(): Date {
    return this.deps.now();
  }

  async create(input: { userId: string; kind: RequestKind; scope?: ScopeName; actor: string; userAsserted: boolean }): Promise<RequestDoc> {
    const now = this.deps.now();
    const region = await this.deps.regionOf(input.userId);
    const doc: RequestDoc = {
      _id: randomUUID(),
      user_id: input.userId,
      kind: input.kind,
      ...(input.scope ? { scope: input.scope } : {}),
      region,
      deadline_rule: requestDeadlineRule(region).rule,
      receive_time: now,
      due_time: requestDueTime(region, now),
      received_by: input.actor,
      state: 'RECEIVED',
      version: 1,
      transitions: [{ state: 'RECEIVED', time: now, actor: input.actor }],
    };
    await this.deps.store.insert(doc);
    this.deps.logger.info({ request_id: doc._id, kind: doc.kind, deadline_rule: doc.deadline_rule }, 'data-subject request received');
    if (!input.userAsserted) return doc;
    return this.verify(doc._id, input.actor, 'USER_ASSERTION');
  }

  async get(requestId: string): Promise<RequestDoc> {
    const doc = await this.deps.store.load(requestId);
    if (!doc) throw new NotFoundError('no data-subject request has that id');
    return doc;
  }

  /** RECEIVED → VERIFIED, then started. Already verified or further along: unchanged. */
  async verify(requestId: string, actor: string, method: VerificationMethodName): Promise<RequestDoc> {
    const verified = await this.step(requestId, (doc) => {
      if (doc.state === 'REJECTED') throw new FailedPreconditionError('the request was rejected', 'REQUEST_REJECTED');
      if (doc.state !== 'RECEIVED') return undefined;
      const now = this.deps.now();
      return this.enter(doc, 'VERIFIED', actor, { verification: { method, actor, verify_time: now } });
    });
    return verified.state === 'VERIFIED' ? this.start(verified) : verified;
  }

  /** RECEIVED or VERIFIED → REJECTED, with the reason and who decided. */
  async reject(requestId: string, reason: RejectionReasonName, actor: string): Promise<RequestDoc> {
    return this.step(requestId, (doc) => {
      if (!NEXT[doc.state].includes('REJECTED')) throw new FailedPreconditionError(`a request ${doc.state.toLowerCase().replace('_', ' ')} cannot be rejected`, 'REQUEST_NOT_REJECTABLE', { state: doc.state });
      const now = this.deps.now();
      return this.enter(doc, 'REJECTED', actor, { rejection: { reason, actor, reject_time: now }, close_time: now });
    });
  }

  /** The EXPORT request an ExportUserData call answers: the user's, in progress. */
  async exportInProgress(requestId: string, userId: string): Promise<RequestDoc> {
    const doc = await this.deps.store.load(requestId);
    // Another user's request is as good as absent.
    if (!doc || doc.user_id !== userId) throw new NotFoundError('no data-subject request of this user has that id');
    if (doc.kind !== 'EXPORT' || doc.state !== 'IN_PROGRESS') throw new FailedPreconditionError('the data-subject request is not an export in progress', 'REQUEST_NOT_EXPORTABLE', { state: doc.state, kind: doc.kind });
    return doc;
  }

  /** IN_PROGRESS → COMPLETED for an export that was delivered. */
  completeExport(requestId: string, actor: string): Promise<RequestDoc> {
    return this.step(requestId, (doc) => (doc.state === 'IN_PROGRESS' && doc.kind === 'EXPORT' ? this.enter(doc, 'COMPLETED', actor, { close_time: this.deps.now() }) : undefined));
  }

  /**
   * VERIFIED → IN_PROGRESS: an erasure starts its job (or joins the user's unfinished one of the
   * same scope); an export waits for ExportUserData with the request's id.
   */
  private async start(doc: RequestDoc): Promise<RequestDoc> {
    const job = doc.kind === 'ERASURE' ? await this.deps.jobs.start(doc.user_id, doc.scope ?? 'ALL', `data-subject-request:${doc._id}`) : undefined;
    const started = await this.step(doc._id, (current) => (current.state === 'VERIFIED' ? this.enter(current, 'IN_PROGRESS', SYSTEM_ACTOR, job ? { erasure_job_id: job._id } : {}) : undefined));
    return this.completeIfDone(started);
  }

  /** IN_PROGRESS erasure whose job succeeded → COMPLETED at the job's completion time. */
  private async completeIfDone(doc: RequestDoc): Promise<RequestDoc> {
    if (doc.state !== 'IN_PROGRESS' || doc.kind !== 'ERASURE' || !doc.erasure_job_id) return doc;
    const job = await this.deps.erasureJobs.get(doc.erasure_job_id);
    if (job?.state !== 'SUCCEEDED') return doc;
    return this.step(doc._id, (current) => (current.state === 'IN_PROGRESS' ? this.enter(current, 'COMPLETED', SYSTEM_ACTOR, { close_time: job.complete_time ?? this.deps.now() }) : undefined));
  }

  /**
   * Moves what the workflow itself moves: verified requests not started yet (a process died
   * between verifying and starting) and erasures whose job has succeeded. Run on every poll of
   * the erasure worker.
   */
  async reconcile(): Promise<number> {
    let moved = 0;
    for (const doc of await this.deps.store.open('VERIFIED')) {
      if ((await this.start(doc)).state !== 'VERIFIED') moved++;
    }
    for (const doc of await this.deps.store.open('IN_PROGRESS')) {
      if ((await this.completeIfDone(doc)).state === 'COMPLETED') moved++;
    }
    return moved;
  }

  forUser(userId: string): Promise<RequestDoc[]> {
    return this.deps.store.forUser(userId);
  }

  list(options: { state?: RequestState; overdueOnly: boolean; after?: { due: Date; id: string }; limit: number }): Promise<RequestDoc[]> {
    return this.deps.store.list({ state: options.state, overdueAt: options.overdueOnly ? this.deps.now() : undefined, after: options.after, limit: options.limit });
  }

  private enter(doc: RequestDoc, state: RequestState, actor: string, patch: Partial<RequestDoc>): RequestDoc {
    if (!NEXT[doc.state].includes(state)) throw new Error(`no transition ${doc.state} → ${state}`);
    return { ...doc, ...patch, state, transitions: [...doc.transitions, { state, time: this.deps.now(), actor }] };
  }

  /** Loads, decides (undefined: nothing to do), commits; a lost race decides again on the winner's result. */
  private async step(requestId: string, decide: (doc: RequestDoc) => RequestDoc | undefined): Promise<RequestDoc> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const doc = await this.get(requestId);
      const next = decide(doc);
      if (!next) return doc;
      const committed = await this.deps.store.commit(doc, next);
      if (committed !== 'conflict') {
        this.deps.logger.info({ request_id: requestId, state: committed.state }, 'data-subject request moved');
        return committed;
      }
    }
    throw new Error('the data-subject request kept changing');
  }
}
