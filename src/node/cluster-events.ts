import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The cluster's timeline: `<run>/events.jsonl`, one JSON object a line, appended by whoever
 * saw the event (the Egg of Life leader: deaths, restarts; each replica on becoming leader; the
 * chaos tool: kills). Read by the dashboard and `status`. A line is one small O_APPEND write, so
 * concurrent writers never interleave inside a line; a torn last line is skipped by readers.
 */
export type ClusterEvent =
  | { type: 'kill'; at: number; id: string; pid: number; by: string }
  | { type: 'dead'; at: number; id: string; silentMs: number; by: string }
  | { type: 'restart'; at: number; id: string; oldPids: number[]; pid: number; silentMs: number; by: string }
  | { type: 'leader'; at: number; id: string };

export function eventsFile(runDir: string): string {
  return path.join(runDir, 'events.jsonl');
}

/** Appends one event; best effort (the timeline must never hurt the node that writes it). */
export function appendEvent(runDir: string, event: ClusterEvent): void {
  try {
    mkdirSync(runDir, { recursive: true });
    appendFileSync(eventsFile(runDir), `${JSON.stringify(event)}\n`);
  } catch {
    // A removed run dir: nothing to record to.
  }
}

/** Parses the lines of an events file, skipping any that is not a well-formed event. */
export function parseEvents(text: string): ClusterEvent[] {
  const out: ClusterEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    try {
      const v = JSON.parse(line) as Partial<ClusterEvent>;
      const known = v.type === 'kill' || v.type === 'dead' || v.type === 'restart' || v.type === 'leader';
      if (known && typeof v.at === 'number' && typeof v.id === 'string') out.push(v as ClusterEvent);
    } catch {
      // A torn line (a writer died mid-append).
    }
  }
  return out;
}

/** Every event of the run dir (empty if there is none yet). */
export function readEvents(runDir: string): ClusterEvent[] {
  try {
    return parseEvents(readFileSync(eventsFile(runDir), 'utf8'));
  } catch {
    return [];
  }
}
