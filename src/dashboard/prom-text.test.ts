import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeExpositions, sumSamples } from './prom-text.js';

const node = (id: string, n: number): string =>
  [
    '# HELP coffee_messages_in_total Messages consumed.',
    '# TYPE coffee_messages_in_total counter',
    `coffee_messages_in_total{node="${id}"} ${n}`,
    '# HELP coffee_fsync_duration_seconds Fsync.',
    '# TYPE coffee_fsync_duration_seconds histogram',
    `coffee_fsync_duration_seconds_bucket{le="0.01",node="${id}"} 1`,
    `coffee_fsync_duration_seconds_bucket{le="+Inf",node="${id}"} 2`,
    `coffee_fsync_duration_seconds_sum{node="${id}"} 0.5`,
    `coffee_fsync_duration_seconds_count{node="${id}"} 2`,
    '',
  ].join('\n');

test('merge: one HELP/TYPE per family, every node’s samples under it', () => {
  const merged = mergeExpositions([node('a', 1), node('b', 2)]);
  assert.equal(merged.match(/# TYPE coffee_messages_in_total/g)?.length, 1);
  assert.equal(merged.match(/# HELP coffee_fsync_duration_seconds /g)?.length, 1);
  const lines = merged.trim().split('\n');
  const i = lines.indexOf('# TYPE coffee_fsync_duration_seconds histogram');
  const series = ['bucket', 'bucket', 'sum', 'count'].map((suffix) => `coffee_fsync_duration_seconds_${suffix}`);
  assert.deepEqual(
    lines.slice(i + 1).map((l) => l.split('{')[0]),
    [...series, ...series],
    'histogram series stay in their family',
  );
  assert.equal(mergeExpositions([]), '');
});

test('sum of a counter over every node, by exact name', () => {
  const merged = mergeExpositions([node('a', 1), node('b', 2)]);
  assert.equal(sumSamples(merged, 'coffee_messages_in_total'), 3);
  assert.equal(sumSamples(merged, 'coffee_messages_in'), 0, 'a prefix is not the name');
  assert.equal(sumSamples(merged, 'coffee_fsync_duration_seconds_count'), 4);
});
