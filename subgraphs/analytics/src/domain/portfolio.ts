/** A portfolio is its holdings; the latest change among them is when it was last updated. */
export function lastUpdated(holdings: { updatedAt: Date }[]): Date | null {
  let latest: Date | null = null;
  for (const h of holdings) if (!latest || h.updatedAt > latest) latest = h.updatedAt;
  return latest;
}
