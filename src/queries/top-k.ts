/** Keeps the k best (count desc, then id asc) of a stream without sorting it all. */
export function topK(entries: Iterable<[id: number, count: number]>, k: number): Array<[number, number]> {
  const best: Array<[number, number]> = [];
  for (const [id, count] of entries) {
    if (best.length === k) {
      const last = best[k - 1];
      if (count < last[1] || (count === last[1] && id > last[0])) continue;
      best.pop();
    }
    let i = best.length;
    while (i > 0 && (best[i - 1][1] < count || (best[i - 1][1] === count && best[i - 1][0] > id))) i--;
    best.splice(i, 0, [id, count]);
  }
  return best;
}
