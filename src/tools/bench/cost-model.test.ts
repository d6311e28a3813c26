import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchStages, costModel, formatCostModel, predict, stageWays, TOTAL_BOUND, type CostModelInput } from './cost-model.js';

const input: CostModelInput = {
  inputBytes: 2e9,
  clients: 1,
  stages: [
    { stage: 'client', kind: 'per-client', cpuSeconds: 20, replicas: 1 },
    { stage: 'gateway', kind: 'per-session', cpuSeconds: 6, replicas: 2 },
    { stage: 'tx-filter', kind: 'replicated', cpuSeconds: 10, replicas: 2 },
    { stage: 'rabbitmq', kind: 'replicated', cpuSeconds: 8, replicas: 1 },
  ],
};

test('CPU-seconds per GB per stage and in total', () => {
  const m = costModel(input);
  assert.deepEqual(
    m.stages.map((s) => [s.stage, s.cpuSecondsPerGb]),
    [
      ['client', 10],
      ['gateway', 3],
      ['tx-filter', 5],
      ['rabbitmq', 4],
    ],
  );
  assert.equal(m.totalCpuSeconds, 44);
  assert.equal(m.totalCpuSecondsPerGb, 22);
});

test('few cores: total CPU over the cores bounds; many cores: the serial client does', () => {
  assert.deepEqual(predict(input, 2), { cores: 2, seconds: 22, bound: TOTAL_BOUND });
  // 44 / 4 = 11 < 20 s of one client's JS thread.
  assert.deepEqual(predict(input, 4), { cores: 4, seconds: 20, bound: 'client' });
  assert.deepEqual(
    costModel(input, [4, 8, 16]).predictions.map((p) => p.seconds),
    [20, 20, 20],
  );
});

test('clients and replicas set how many ways each stage splits', () => {
  const gw = input.stages[1];
  assert.equal(stageWays(gw, 16, 1), 1, 'one session lives on one gateway');
  assert.equal(stageWays(gw, 16, 4), 4);
  assert.equal(stageWays(gw, 2, 4), 2, 'no more ways than gateways');
  assert.equal(stageWays(input.stages[0], 16, 3), 3);
  assert.equal(stageWays(input.stages[2], 8, 1), 8);
  // Four clients: the per-client work splits four ways, so the total bound holds longer.
  const four = { ...input, clients: 4, stages: input.stages.map((s) => (s.stage === 'client' ? { ...s, cpuSeconds: 80 } : s)) };
  assert.deepEqual(predict(four, 4), { cores: 4, seconds: 26, bound: TOTAL_BOUND });
  assert.deepEqual(predict(four, 16), { cores: 16, seconds: 20, bound: 'client' });
});

test('benchStages classifies node kinds and adds the broker when measured', () => {
  const stages = benchStages(
    [
      { kind: 'controller', replicas: 2, cpuSeconds: 1 },
      { kind: 'q4-count', replicas: 2, cpuSeconds: 3 },
    ],
    { cpuSeconds: 5 },
    1,
    2,
  );
  assert.deepEqual(
    stages.map((s) => [s.stage, s.kind]),
    [
      ['client', 'per-client'],
      ['controller', 'per-session'],
      ['q4-count', 'replicated'],
      ['rabbitmq', 'replicated'],
    ],
  );
  assert.equal(benchStages([], { cpuSeconds: 1 }, 1, null).length, 1);
});

test('formatCostModel prints the stages by cost and marks the measured core count', () => {
  const text = formatCostModel(costModel(input, [2, 4]), 25.5, 2);
  assert.match(text, /2\.000 GB/);
  assert.match(text, /client +per-client +20\.00 +10\.0/);
  assert.match(text, /\(total\) +44\.00 +22\.0/);
  assert.match(text, /2 cores: +22\.00 s, bound by total CPU \/ cores \(measured here: 25\.50 s\)/);
  assert.match(text, /4 cores: +20\.00 s, bound by client\n/);
});
