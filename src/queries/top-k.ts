import { q4RanksBefore } from './rules.js';

/**
 * Keeps the k best (count desc, then id asc: the Q4 order) of a stream without sorting it all.
 * `offer` each (id, count), then read `best`.
 */
export class TopK {
  readonly best: Array<[id: number, count: number]> = [];

  constructor(private readonly k: number) {}

  offer(id: number, count: number): void {
    const best = this.best;
    if (best.length === this.k) {
      const last = best[this.k - 1];
      if (!q4RanksBefore(id, count, last[0], last[1])) return;
      best.pop();
    }
    let i = best.length;
    while (i > 0 && q4RanksBefore(id, count, best[i - 1][0], best[i - 1][1])) i--;
    best.splice(i, 0, [id, count]);
  }
}

/** The k best of `entries` (see TopK). */
export function topK(entries: Iterable<[id: number, count: number]>, k: number): Array<[number, number]> {
  const top = new TopK(k);
  for (const [id, count] of entries) top.offer(id, count);
  return top.best;
}
