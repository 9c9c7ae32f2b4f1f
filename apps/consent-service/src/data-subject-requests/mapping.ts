import { consent } from '@signalpath/proto';
import { scopeProto } from '../mapping';
import type { RejectionReasonName, RequestDoc, RequestKind, RequestState } from './store';
import { isOverdue } from './workflow';

const S = consent.DataSubjectRequestState;
const STATES: Record<RequestState, consent.DataSubjectRequestState> = {
  RECEIVED: S.DATA_SUBJECT_REQUEST_STATE_RECEIVED,
  VERIFIED: S.DATA_SUBJECT_REQUEST_STATE_VERIFIED,
  IN_PROGRESS: S.DATA_SUBJECT_REQUEST_STATE_IN_PROGRESS,
  COMPLETED: S.DATA_SUBJECT_REQUEST_STATE_COMPLETED,
  REJECTED: S.DATA_SUBJECT_REQUEST_STATE_REJECTED,
};
const KINDS: Record<RequestKind, consent.DataSubjectRequestKind> = {
  ERASURE: consent.DataSubjectRequestKind.DATA_SUBJECT_REQUEST_KIND_ERASURE,
  EXPORT: consent.DataSubjectRequestKind.DATA_SUBJECT_REQUEST_KIND_EXPORT,
};
const REASONS: Record<RejectionReasonName, consent.RejectionReason> = {
  IDENTITY_NOT_VERIFIED: consent.RejectionReason.REJECTION_REASON_IDENTITY_NOT_VERIFIED,
  DUPLICATE: consent.RejectionReason.REJECTION_REASON_DUPLICATE,
  MANIFESTLY_UNFOUNDED: consent.RejectionReason.REJECTION_REASON_MANIFESTLY_UNFOUNDED,
  WITHDRAWN: consent.RejectionReason.REJECTION_REASON_WITHDRAWN,
};

const nameOf = <N extends string, V>(table: Record<N, V>, value: V): N | undefined => (Object.keys(table) as N[]).find((name) => table[name] === value);

export const requestStateName = (value: consent.DataSubjectRequestState): RequestState | undefined => nameOf(STATES, value);
export const requestKindName = (value: consent.DataSubjectRequestKind): RequestKind | undefined => nameOf(KINDS, value);
export const rejectionReasonName = (value: consent.RejectionReason): RejectionReasonName | undefined => nameOf(REASONS, value);

function duration(ms: number): { seconds: string; nanos: number } {
  const whole = Math.max(0, Math.floor(ms / 1000));
  return { seconds: String(whole), nanos: Math.max(0, Math.round(ms - whole * 1000)) * 1_000_000 };
}

export function requestProto(doc: RequestDoc, now: Date): consent.DataSubjectRequest {
  return {
    requestId: doc._id,
    userId: doc.user_id,
    kind: KINDS[doc.kind],
    scope: doc.scope ? scopeProto(doc.scope) : 0,
    state: STATES[doc.state],
    region: doc.region,
    deadlineRule: doc.deadline_rule,
    receiveTime: doc.receive_time,
    dueTime: doc.due_time,
    overdue: isOverdue(doc, now),
    verification: doc.verification
      ? {
          method: doc.verification.method === 'USER_ASSERTION' ? consent.VerificationMethod.VERIFICATION_METHOD_USER_ASSERTION : consent.VerificationMethod.VERIFICATION_METHOD_OPERATOR,
          actor: doc.verification.actor,
          verifyTime: doc.verification.verify_time,
        }
      : undefined,
    rejection: doc.rejection ? { reason: REASONS[doc.rejection.reason], actor: doc.rejection.actor, rejectTime: doc.rejection.reject_time } : undefined,
    erasureJobId: doc.erasure_job_id ?? '',
    closeTime: doc.close_time,
    transitions: doc.transitions.map((t) => ({ state: STATES[t.state], transitionTime: t.time, actor: t.actor })),
    receivedBy: doc.received_by,
    age: duration((doc.close_time ?? now).getTime() - doc.receive_time.getTime()),
  };
}
