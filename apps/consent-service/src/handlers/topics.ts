import { clampedCount, decodePageToken, encodePageToken, InvalidArgumentError, type Handlers } from '@signalpath/grpc-kit';
import type { consent } from '@signalpath/proto';
import { topicEntryProto } from '../mapping';
import type { ConsentContext } from './context';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;
const DEFAULT_SEARCH_LIMIT = 20;
const MAX_SEARCH_LIMIT = 100;
const MAX_QUERY_CHARS = 100;

/** Where the next page starts: the parent listed ('' for Tier 1) and the last topic returned. */
interface TopicCursor extends Record<string, string | number> {
  p: string;
  a: string;
}

export async function listTopics(ctx: ConsentContext, request: consent.ListTopicsRequest): Promise<consent.ListTopicsResponse> {
  const parentId = request.parentId === '' ? undefined : request.parentId;
  if (parentId !== undefined && ctx.topics.get(parentId) === undefined) throw new InvalidArgumentError('parent_id', 'is not an IAB Content Taxonomy 3.1 topic id');
  const size = clampedCount(request.pageSize, 'page_size', { defaultSize: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE });
  const cursor = decodePageToken<TopicCursor>(request.pageToken, 'page_token', ['p', 'a']);
  if (cursor && (typeof cursor.p !== 'string' || typeof cursor.a !== 'string' || cursor.p !== (parentId ?? ''))) {
    throw new InvalidArgumentError('page_token', 'is not a valid page token for this parent_id');
  }
  const page = ctx.topics.list(parentId, cursor?.a, size);
  // The parent is known, so only a cursor naming no topic of this list gets here.
  if (!page) throw new InvalidArgumentError('page_token', 'is not a valid page token for this parent_id');
  return {
    topics: page.topics.map(topicEntryProto),
    nextPageToken: page.nextAfterId === undefined ? '' : encodePageToken({ p: parentId ?? '', a: page.nextAfterId }),
  };
}

export async function searchTopics(ctx: ConsentContext, request: consent.SearchTopicsRequest): Promise<consent.SearchTopicsResponse> {
  const query = request.query ?? '';
  // Never echoed: what a person typed stays out of error messages and logs.
  if ([...query].length > MAX_QUERY_CHARS) throw new InvalidArgumentError('query', `must be at most ${MAX_QUERY_CHARS} characters`);
  if (query.trim() === '') throw new InvalidArgumentError('query', 'must not be empty');
  const limit = clampedCount(request.limit, 'limit', { defaultSize: DEFAULT_SEARCH_LIMIT, max: MAX_SEARCH_LIMIT });
  return { topics: ctx.topics.search(query, limit).map(topicEntryProto) };
}

/** ListTopics and SearchTopics over the taxonomy. */
export function topicHandlers(ctx: ConsentContext) {
  return {
    listTopics: (request) => listTopics(ctx, request),
    searchTopics: (request) => searchTopics(ctx, request),
  } satisfies Handlers<consent.ConsentServiceServer>;
}
