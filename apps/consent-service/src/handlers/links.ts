import type { ServerUnaryCall } from '@grpc/grpc-js';
import { AlreadyExistsError, FailedPreconditionError, requireEnum, requireId, VersionConflictError, type Handlers } from '@signalpath/grpc-kit';
import { common, type consent } from '@signalpath/proto';
import { settingsProto, surfaceName } from '../mapping';
import type { SettingsDoc, SurfaceName } from '../store/documents';
import { actorOf, userAssertedOf, type ConsentContext } from './context';
import { answerWhenEveryReplicaHasIt } from '../settings/replica-visibility';

type Call = ServerUnaryCall<unknown, unknown>;

/** Concurrent changes to the same user's settings are retried this often before ABORTED. */
const MAX_ATTEMPTS = 8;
/** A claim this old whose owner's settings do not show the link is left over from a crash. */
const ORPHAN_CLAIM_AGE_MS = 10_000;

function withLinks(doc: SettingsDoc, links: SettingsDoc['linked_accounts']): SettingsDoc {
  return { ...doc, linked_accounts: links };
}

export async function linkAccount(ctx: ConsentContext, request: consent.LinkAccountRequest, call: Call): Promise<consent.LinkAccountResponse> {
  const userId = requireId(request.userId, 'user_id');
  const surface = surfaceName(requireEnum(request.surface, common.Surface, 'surface'));
  const accountId = requireId(request.accountId, 'account_id');
  const actor = actorOf(call);
  let claimedAt: Date | undefined;
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const before = await ctx.writer.load(userId);
      const current = before.linked_accounts[surface];
      if (current?.account_id === accountId) {
        claimedAt = undefined; // linked (by us or a concurrent call): keep the claim
        return { settings: settingsProto(before, ctx.policy) };
      }
      if (current) throw new FailedPreconditionError(`another account is linked on ${surface}: unlink it first`, 'SURFACE_ALREADY_LINKED', { surface: `SURFACE_${surface}` });
      if (!claimedAt) claimedAt = await claimAccount(ctx, surface, accountId, userId);
      const after = withLinks(before, { ...before.linked_accounts, [surface]: { account_id: accountId, link_time: claimedAt } });
      const result = await ctx.writer.commit(before, after, { actor, userAsserted: userAssertedOf(call), paths: ['linked_accounts'] });
      if (result !== 'conflict') {
        claimedAt = undefined;
        return { settings: settingsProto(result, ctx.policy) };
      }
    }
    throw new VersionConflictError('settings changed concurrently too often: retry');
  } finally {
    // Not linked after all: give the account back.
    if (claimedAt) await ctx.links.release(surface, accountId, userId, claimedAt).catch(() => undefined);
  }
}

/** Claims the account for the user; ALREADY_EXISTS when it belongs to another user. */
async function claimAccount(ctx: ConsentContext, surface: SurfaceName, accountId: string, userId: string): Promise<Date> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const claim = await ctx.links.claim(surface, accountId, userId, ctx.now());
    if (claim.user_id === userId) return claim.link_time;
    // A claim whose owner never linked the account (a crash between claim and link) is released.
    const owner = await ctx.writer.load(claim.user_id);
    const stale = ctx.now().getTime() - claim.link_time.getTime() > ORPHAN_CLAIM_AGE_MS;
    if (owner.linked_accounts[surface]?.account_id === accountId || !stale) {
      throw new AlreadyExistsError(`this ${surface} account is linked to another user`);
    }
    await ctx.links.release(surface, accountId, claim.user_id, claim.link_time);
  }
  throw new AlreadyExistsError(`this ${surface} account is linked to another user`);
}

export async function unlinkAccount(ctx: ConsentContext, request: consent.UnlinkAccountRequest, call: Call): Promise<consent.UnlinkAccountResponse> {
  const userId = requireId(request.userId, 'user_id');
  const surface = surfaceName(requireEnum(request.surface, common.Surface, 'surface'));
  const actor = actorOf(call);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const before = await ctx.writer.load(userId);
    const current = before.linked_accounts[surface];
    if (!current) return { settings: settingsProto(before, ctx.policy) };
    const links = { ...before.linked_accounts };
    delete links[surface];
    const result = await ctx.writer.commit(before, withLinks(before, links), { actor, userAsserted: userAssertedOf(call), paths: ['linked_accounts'] });
    if (result !== 'conflict') {
      await ctx.links.release(surface, current.account_id, userId);
      await answerWhenEveryReplicaHasIt(ctx.policy, before, result, Date.now(), ctx.cache.stalenessBoundMs, call);
      return { settings: settingsProto(result, ctx.policy) };
    }
  }
  throw new VersionConflictError('settings changed concurrently too often: retry');
}

/** LinkAccount and UnlinkAccount (Accounts Center links). */
export function linkHandlers(ctx: ConsentContext) {
  return {
    linkAccount: (request, call) => linkAccount(ctx, request, call),
    unlinkAccount: (request, call) => unlinkAccount(ctx, request, call),
  } satisfies Handlers<consent.ConsentServiceServer>;
}
