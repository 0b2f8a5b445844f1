// "Run now" on a schedule or a watch queues a run; the API has no event for its end, so the
// page reads the list again every second until the run count of each entry run has moved.
import { useCallback, useEffect, useState } from "react";

const POLL_MS = 1000;
// A run that has not shown within this long (a busy queue) is left for the next visit.
const GIVE_UP_MS = 60_000;

/**
 * `started(id, runs)` after a run was queued for an entry that had run `runs` times;
 * `waiting(id)` says whether that run has yet to show. `refetch` is called while any has not.
 */
export function useRunNowFollow(runsOf: (id: string) => number | undefined, refetch: () => void) {
  const [pending, setPending] = useState<Record<string, { runs: number; until: number }>>({});
  const waiting = useCallback((id: string) => {
    const p = pending[id];
    return p !== undefined && (runsOf(id) ?? 0) <= p.runs && Date.now() < p.until;
  }, [pending, runsOf]);
  const started = useCallback((id: string, runs: number) => setPending((p) => ({ ...p, [id]: { runs, until: Date.now() + GIVE_UP_MS } })), []);
  const anyWaiting = Object.keys(pending).some(waiting);
  useEffect(() => {
    if (!anyWaiting) return;
    const timer = setInterval(refetch, POLL_MS);
    return () => clearInterval(timer);
  }, [anyWaiting, refetch]);
  return { started, waiting };
}
