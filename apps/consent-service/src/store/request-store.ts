import { isDuplicateKeyError } from '@signalpath/grpc-kit';
import type { IndexPlan } from '@signalpath/mongo';
import type { Collection, Db, Filter } from 'mongodb';
import type { ScopeName } from './documents';

export type RequestKind = 'ERASURE' | 'EXPORT';
export type RequestState = 'RECEIVED' | 'VERIFIED' | 'IN_PROGRESS' | 'COMPLETED' | 'REJECTED';
export type RejectionReasonName = 'IDENTITY_NOT_VERIFIED' | 'DUPLICATE' | 'MANIFESTLY_UNFOUNDED' | 'WITHDRAWN';
export type VerificationMethodName = 'USER_ASSERTION' | 'OPERATOR';

export const OPEN_STATES: readonly RequestState[] = ['RECEIVED', 'VERIFIED', 'IN_PROGRESS'];

/**
 * `data_subject_requests`: one document per request, its current state (`version` = number of
 * states it entered). Enum values by name, as in the other consent documents.
 */
export interface RequestDoc {
  _id: string;
  user_id: string;
  kind: RequestKind;
  scope?: ScopeName;
  region: string;
  deadline_rule: string;
  receive_time: Date;
  due_time: Date;
  received_by: string;
  state: RequestState;
  version: number;
  verification?: { method: VerificationMethodName; actor: string; verify_time: Date };
  rejection?: { reason: RejectionReasonName; actor: string; reject_time: Date };
  erasure_job_id?: string;
  close_time?: Date;
  transitions: { state: RequestState; time: Date; actor: string }[];
}

/**
 * `data_subject_request_steps`: `_id` = `<request id>#<version>`, the document as of that version.
 * The unique `_id` is the arbiter of a transition (one of two concurrent writers from the same
 * version wins; a unique-key insert is atomic on MongoDB and FerretDB v1 alike, conditional
 * updates are not on FerretDB), and a reader rolls the request document forward from its steps,
 * so a writer that died between the two writes loses nothing.
 */
interface StepDoc {
  _id: string;
  request_id: string;
  snapshot: RequestDoc;
}

export const REQUESTS_COLLECTION = 'data_subject_requests';
export const STEPS_COLLECTION = 'data_subject_request_steps';

export const requestIndexes: IndexPlan = {
  [REQUESTS_COLLECTION]: [
    { key: { state: 1, due_time: 1 }, name: 'state_due_time' },
    { key: { due_time: 1 }, name: 'due_time' },
    { key: { user_id: 1 }, name: 'user_id' },
  ],
  [STEPS_COLLECTION]: [],
};

const stepId = (requestId: string, version: number) => `${requestId}#${version}`;

export class RequestStore {
  private readonly requests: Collection<RequestDoc>;
  private readonly steps: Collection<StepDoc>;

  constructor(db: Db) {
    this.requests = db.collection<RequestDoc>(REQUESTS_COLLECTION);
    this.steps = db.collection<StepDoc>(STEPS_COLLECTION);
  }

  /** Records a new request (version 1). */
  async insert(doc: RequestDoc): Promise<void> {
    await this.steps.insertOne({ _id: stepId(doc._id, doc.version), request_id: doc._id, snapshot: doc });
    await this.requests.replaceOne({ _id: doc._id }, doc, { upsert: true });
  }

  /** The request as of its latest step (repairing the document if a writer died before writing it). */
  async load(requestId: string): Promise<RequestDoc | null> {
    const stored = await this.requests.findOne({ _id: requestId });
    const latest = await this.rollForward(stored, requestId);
    if (latest && (!stored || stored.version < latest.version)) await this.requests.replaceOne({ _id: requestId }, latest, { upsert: true });
    return latest;
  }

  private async rollForward(doc: RequestDoc | null, requestId: string): Promise<RequestDoc | null> {
    let current = doc;
    for (;;) {
      const next = await this.steps.findOne({ _id: stepId(requestId, (current?.version ?? 0) + 1) });
      if (!next) return current;
      current = next.snapshot;
    }
  }

  /** Commits `after` as the version following `before`; 'conflict' when another writer got there first. */
  async commit(before: RequestDoc, after: RequestDoc): Promise<RequestDoc | 'conflict'> {
    const next = { ...after, version: before.version + 1 };
    try {
      await this.steps.insertOne({ _id: stepId(next._id, next.version), request_id: next._id, snapshot: next });
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'conflict';
      throw error;
    }
    await this.requests.replaceOne({ _id: next._id }, next, { upsert: true });
    return next;
  }

  /**
   * A page of requests, earliest deadline first (then id): in `state` if given, and with
   * `overdueAt` only open ones due before it. `after` is the last (due_time, id) of the previous page.
   */
  async list(options: { state?: RequestState; overdueAt?: Date; after?: { due: Date; id: string }; limit: number }): Promise<RequestDoc[]> {
    const and: Filter<RequestDoc>[] = [];
    if (options.state) and.push({ state: options.state });
    if (options.overdueAt) and.push({ state: { $in: [...OPEN_STATES] }, due_time: { $lt: options.overdueAt } });
    if (options.after) and.push({ $or: [{ due_time: { $gt: options.after.due } }, { due_time: options.after.due, _id: { $gt: options.after.id } }] });
    const docs = await this.requests
      .find(and.length > 0 ? { $and: and } : {})
      .sort({ due_time: 1, _id: 1 })
      .limit(options.limit)
      .toArray();
    // A document may lag its steps (a writer died between the two writes): answer the latest, if it still matches.
    const latest = await Promise.all(docs.map(async (doc) => (await this.rollForward(doc, doc._id)) ?? doc));
    return latest.filter(
      (doc) => (!options.state || doc.state === options.state) && (!options.overdueAt || (OPEN_STATES.includes(doc.state) && doc.due_time < options.overdueAt)),
    );
  }

  /** Every request about `userId`, oldest first (the export). */
  async forUser(userId: string): Promise<RequestDoc[]> {
    const docs = await this.requests.find({ user_id: userId }).sort({ receive_time: 1, _id: 1 }).toArray();
    return Promise.all(docs.map(async (doc) => (await this.rollForward(doc, doc._id)) ?? doc));
  }

  /** Open requests in `state` (the workflow's reconciliation). */
  open(state: RequestState, limit = 200): Promise<RequestDoc[]> {
    return this.list({ state, limit });
  }

  /** Open requests by state, and how many of them are past their deadline at `now` (metrics). */
  async openSummary(now: Date): Promise<{ byState: Record<string, number>; overdue: number }> {
    const docs = await this.requests.find({ state: { $in: [...OPEN_STATES] } }, { projection: { state: 1, due_time: 1 } }).toArray();
    const byState: Record<string, number> = Object.fromEntries(OPEN_STATES.map((state) => [state, 0]));
    let overdue = 0;
    for (const doc of docs) {
      byState[doc.state] = (byState[doc.state] ?? 0) + 1;
      if (doc.due_time < now) overdue++;
    }
    return { byState, overdue };
  }
}
