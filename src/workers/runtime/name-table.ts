/**
 * A reference-table lookup (store names, item names, birthdates) where a duplicated key keeps
 * its first occurrence in the dataset (file order, then line order), whatever order the
 * batches arrive in: each value carries its rank = (batch seq, row).
 */
export class NameTable {
  private readonly values = new Map<number, string>();
  private readonly ranks = new Map<number, number>();

  set(key: number, value: string, seq: number, row: number): void {
    const rank = seq * 1_048_576 + row;
    const prev = this.ranks.get(key);
    if (prev !== undefined && prev <= rank) return;
    this.ranks.set(key, rank);
    this.values.set(key, value);
  }

  get(key: number): string {
    return this.values.get(key) ?? '';
  }

  get size(): number {
    return this.values.size;
  }
}

/** The batch sequence number of a source message id `<table>:<seq>` or `<table>:<seq>><stage>.<p>`. */
export function sourceSeq(id: string): number {
  const m = /^[a-z_]+:(\d+)/.exec(id);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}
