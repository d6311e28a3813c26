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
