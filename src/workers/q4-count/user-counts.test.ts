import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserCounts } from './user-counts.js';
import { deriveRandom } from '../../tools/generator/random.js';

test('UserCounts counts like a Map: random adds, growth, the extreme ids, forEach', () => {
  const r = deriveRandom(11);
  const rand = (n: number): number => r.int(n);
  const table = new UserCounts();
  const oracle = new Map<number, number>();
  const ids = [0, 1, 0x7fffffff, 0x7ffffffe, 0x40000000];
  for (let i = 0; i < 200_000; i++) {
    const user = i % 10 < 3 ? ids[rand(ids.length)] : rand(i % 2 === 0 ? 5000 : 0x7fffffff);
    const count = 1 + rand(4);
    const isNew = !oracle.has(user);
    assert.equal(table.add(user, count), isNew);
    oracle.set(user, (oracle.get(user) ?? 0) + count);
  }
  assert.equal(table.size, oracle.size);
  for (const [user, count] of oracle) assert.equal(table.get(user), count);
  assert.equal(table.get(12345678), oracle.get(12345678));
  const entries: Array<[number, number]> = [];
  table.forEach((count, user) => entries.push([user, count]));
  entries.sort((a, b) => a[0] - b[0]);
  assert.deepEqual(
    entries,
    [...oracle].sort((a, b) => a[0] - b[0]),
  );
  assert.throws(() => table.add(0x80000000, 1), RangeError);
  assert.throws(() => table.add(-1, 1), RangeError);
});

/** Checks `table` against `oracle`: size, every get, a miss, forEach. */
function assertSame(table: UserCounts, oracle: Map<number, number>, what: string): void {
  assert.equal(table.size, oracle.size, what);
  for (const [user, count] of oracle) assert.equal(table.get(user), count, `${what}: user ${user}`);
  const entries: Array<[number, number]> = [];
  table.forEach((count, user) => entries.push([user, count]));
  assert.deepEqual(
    entries.sort((a, b) => a[0] - b[0]),
    [...oracle].sort((a, b) => a[0] - b[0]),
    what,
  );
}

test('UserCounts: dense ids in ascending runs (what the tx-filter sends) count right without giving up their slots', () => {
  const r = deriveRandom(5);
  const table = new UserCounts();
  const oracle = new Map<number, number>();
  // Batches of ascending ids from a dense range, each a random fifth of it.
  for (let batch = 0; batch < 30; batch++)
    for (let user = 0; user < 300_000; user++) {
      if (r.int(5) !== 0) continue;
      table.add(user, 1);
      oracle.set(user, (oracle.get(user) ?? 0) + 1);
    }
  assertSame(table, oracle, 'dense ascending');
  assert.equal(table.isScrambled, false, 'ordinary ids switched to the scrambled hash');
});

test('UserCounts: ids built to share one slot switch it to the scrambled hash, and every count stays right', () => {
  // Capacity 4096 → 8192 slots, no growth below 4096 users: ids whose slot (id + 1 plus an
  // offset per 8192-id wrap, modulo 8192) is 0 for every wrap.
  const table = new UserCounts(4096);
  const oracle = new Map<number, number>();
  for (let wrap = 1; wrap <= 3000; wrap++) {
    const offset = Math.imul(wrap, 0x9e3779b1) & 8191;
    const user = wrap * 8192 + ((8192 - offset) & 8191) - 1;
    table.add(user, wrap);
    table.add(user, 1);
    oracle.set(user, wrap + 1);
  }
  assert.equal(table.isScrambled, true);
  assertSame(table, oracle, 'crowded ids');
});
