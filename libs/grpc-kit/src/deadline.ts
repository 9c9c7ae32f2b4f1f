/**
 * A call's deadline as ms since the epoch, Infinity when it has none (grpc-js gives a Date, a
 * number, or Infinity). The one place that reads it, for every server call and parent.
 */
export function deadlineMsOf(call: { getDeadline(): Date | number } | undefined): number {
  const deadline = call?.getDeadline();
  if (deadline === undefined) return Number.POSITIVE_INFINITY;
  const ms = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return Number.isFinite(ms) ? ms : Number.POSITIVE_INFINITY;
}
