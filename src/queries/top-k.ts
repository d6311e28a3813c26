import { q4RanksBefore } from './rules.js';

/** Keeps the k best (count desc, then id asc: the Q4 order) of a stream without sorting it all. */
export function topK(entries: Iterable<[id: number, count: number]>, k: number): Array<[number, number]> {
  const best: Array<[number, number]> = [];
  for (const [id, count] of entries) {
    if (best.length === k) {
      const last = best[k - 1];
      if (!q4RanksBefore(id, count, last[0], last[1])) continue;
      best.pop();
    }
    let i = best.length;
    while (i > 0 && q4RanksBefore(id, count, best[i - 1][0], best[i - 1][1])) i--;
    best.splice(i, 0, [id, count]);
  }
  return best;
}
