import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InMessage, OutMessage } from '../node/middleware/broker.js';
import { FakeBroker } from '../testing/fake-broker.js';
import { Topology, STAGES, WORKER_STAGES } from '../node/middleware/topology.js';
import { ClusterConfigSchema } from '../node/config/cluster.js';
import { createLogger } from '../node/log.js';
import { encodeCounterReport, type CounterReport } from '../protocol/internal/counters.js';
import { Coordinator } from './coordinator.js';
import { SessionStore } from './session-store.js';
import { encodeJsonBody } from '../protocol/internal/messages.js';

const topology = new Topology(ClusterConfigSchema.parse({})); // every stage: 2 partitions
const log = createLogger('coordinator-test', 'silent');
const S1 = '0a0a0a0a-0000-4000-8000-000000000001';
const S2 = '0a0a0a0a-0000-4000-8000-000000000002';
const S3 = '0a0a0a0a-0000-4000-8000-000000000003';
const PARTITIONED = WORKER_STAGES.filter((s) => STAGES[s].partitioned);

function setup(
  t: { after: (fn: () => void) => void },
  maxClients = 16,
  dir?: string,
): { broker: FakeBroker; coord: Coordinator; store: SessionStore; dir: string } {
  if (!dir) {
    dir = mkdtempSync(path.join(tmpdir(), 'coordinator-test-'));
    const d = dir;
    t.after(() => rmSync(d, { recursive: true, force: true }));
  }
  const broker = new FakeBroker();
  const store = new SessionStore(dir);
  const coord = new Coordinator(broker, topology, store, maxClients, log);
  return { broker, coord, store, dir };
}

let seq = 0;
function openMsg(session: string, opts: { resume?: boolean; token?: string } = {}): InMessage {
  return {
    type: 'open',
    id: `open:${session}`,
    session,
    headers: {},
    body: encodeJsonBody({ resume: opts.resume ?? false, token: opts.token ?? `token-of-${session}` }),
    redelivered: false,
    replyTo: 'coffee.gateway.0',
    correlationId: `c${seq++}`,
  };
}
function counterMsg(session: string, r: CounterReport): InMessage {
  return { type: 'counter', id: `n#${seq++}`, session, headers: {}, body: encodeCounterReport(r), redelivered: false };
}
function deliveredMsg(session: string): InMessage {
  return { type: 'delivered', id: `delivered:${session}`, session, headers: {}, body: Buffer.alloc(0), redelivered: false };
}
function reply(m: OutMessage): { ok: boolean; code?: string } {
  return JSON.parse(m.body.toString()) as { ok: boolean; code?: string };
}

/** Counter reports of a whole tiny session (one batch per table, 2 partitions per stage), in causal order. */
const SOURCE: CounterReport = {
  stage: 'source',
  totals: { stores: 1, menu_items: 1, users: 1, transactions: 1, transaction_items: 1 },
  entries: [
    ['stores:0', { 'q3-agg': 2, 'q4-top': 2 }],
    ['menu_items:0', { 'q2-agg': 2 }],
    ['users:0', { 'q4-count': 2 }],
    ['transactions:0', { 'tx-filter': 1 }],
    ['transaction_items:0', { 'item-filter': 1 }],
  ],
};
const FILTERS: CounterReport[] = [
  { stage: 'tx-filter', entries: [['transactions:0', { 'q1-sort': 1, 'q3-agg': 1, 'q4-count': 1 }]] },
  { stage: 'item-filter', entries: [['transaction_items:0', { 'q2-agg': 1 }]] },
];
const AGG_INPUTS: CounterReport[] = [
  { stage: 'q1-sort', entries: [['transactions:0>q1-sort.0', {}]] },
  {
    stage: 'q2-agg',
    entries: [
      ['menu_items:0>q2-agg.0', {}],
      ['menu_items:0>q2-agg.1', {}],
      ['transaction_items:0>q2-agg.1', {}],
    ],
  },
  {
    stage: 'q3-agg',
    entries: [
      ['stores:0>q3-agg.0', {}],
      ['stores:0>q3-agg.1', {}],
      ['transactions:0>q3-agg.0', {}],
    ],
  },
  {
    stage: 'q4-count',
    entries: [
      ['users:0>q4-count.0', {}],
      ['users:0>q4-count.1', {}],
      ['transactions:0>q4-count.1', {}],
    ],
  },
];
const Q4_COUNT_FIN: CounterReport = {
  stage: 'q4-count',
  entries: [
    ['eos:0', { 'q4-top': 1 }],
    ['eos:1', { 'q4-top': 1 }],
  ],
};
const Q4_TOP_INPUTS: CounterReport = {
  stage: 'q4-top',
  entries: [
    ['stores:0>q4-top.0', {}],
    ['stores:0>q4-top.1', {}],
    ['fin:q4-count.0>q4-top.0', {}],
    ['fin:q4-count.1>q4-top.1', {}],
  ],
};
const RESULT_FINS: CounterReport[] = ['q1-sort', 'q2-agg', 'q3-agg', 'q4-top'].map((stage) => ({
  stage: stage as CounterReport['stage'],
  entries: [
    ['eos:0', { results: 1 }],
    ['eos:1', { results: 2 }],
  ],
}));
const EXPECTED_RESULTS = 4 * 3;
const ALL_REPORTS = [SOURCE, ...FILTERS, ...AGG_INPUTS, Q4_COUNT_FIN, Q4_TOP_INPUTS, ...RESULT_FINS];

function eosIds(broker: FakeBroker, session: string): string[] {
  return broker
    .ofType('eos')
    .filter((m) => m.session === session)
    .map((m) => `${m.queue}|${m.id}`)
    .sort();
}
function expectedEos(stages: string[]): string[] {
  return stages.flatMap((st) => [0, 1].map((p) => `coffee.${st}.${p}|eos:${st}.${p}`)).sort();
}

test('open: ok, declares the results queue, replies to the caller; re-open is idempotent', async (t) => {
  const { broker, coord } = setup(t);
  const m = openMsg(S1);
  await coord.handle(m);
  assert.deepEqual(broker.declared, [topology.resultsQueue(S1)]);
  const [r] = broker.ofType('open-reply');
  assert.equal(r.queue, 'coffee.gateway.0');
  assert.equal(r.correlationId, m.correlationId);
  assert.deepEqual(reply(r), { ok: true });
  assert.equal(coord.active, 1);
  await coord.handle(openMsg(S1));
  assert.equal(coord.active, 1);
  assert.deepEqual(reply(broker.ofType('open-reply')[1]), { ok: true });
  // An invalid id never names a queue or file.
  await coord.handle(openMsg('../../etc'));
  assert.equal(reply(broker.ofType('open-reply')[2]).code, 'ERR_SESSION_ID');
  assert.equal(coord.active, 1);
  assert.deepEqual(broker.declared, [topology.resultsQueue(S1)]);
});

test('open beyond max.clients is refused with ERR_BUSY until a session ends', async (t) => {
  const { broker, coord } = setup(t, 2);
  await coord.handle(openMsg(S1));
  await coord.handle(openMsg(S2));
  await coord.handle(openMsg(S3));
  const replies = broker.ofType('open-reply').map(reply);
  assert.deepEqual(
    replies.map((r) => r.ok),
    [true, true, false],
  );
  assert.equal(replies[2].code, 'ERR_BUSY');
  assert.equal(coord.active, 2);
  assert.ok(!broker.declared.includes(topology.resultsQueue(S3)));
  // A running session re-opening is still fine at capacity.
  await coord.handle(openMsg(S2));
  assert.equal(reply(broker.ofType('open-reply')[3]).ok, true);
  await coord.handle(deliveredMsg(S1));
  await coord.handle(openMsg(S3));
  assert.equal(reply(broker.ofType('open-reply')[4]).ok, true);
  assert.equal(coord.active, 2);
});

test('counters drive EOS to every partition exactly once and one completion with the result count', async (t) => {
  const { broker, coord } = setup(t);
  await coord.handle(openMsg(S1));
  // Counters of a session never opened here are ignored.
  await coord.handle(counterMsg(S2, SOURCE));
  assert.equal(broker.published.filter((m) => m.session === S2).length, 0);

  await coord.handle(counterMsg(S1, SOURCE));
  for (const r of FILTERS) await coord.handle(counterMsg(S1, r));
  assert.deepEqual(eosIds(broker, S1), [], 'no stage has its inputs yet');
  for (const r of AGG_INPUTS) {
    await coord.handle(counterMsg(S1, r));
    await coord.handle(counterMsg(S1, r)); // a redelivered counter message
  }
  assert.deepEqual(eosIds(broker, S1), expectedEos(['q1-sort', 'q2-agg', 'q3-agg', 'q4-count']));
  // q4-top's inputs include q4-count's finalisation output: not ready before it.
  await coord.handle(counterMsg(S1, Q4_TOP_INPUTS));
  assert.ok(!eosIds(broker, S1).some((x) => x.includes('q4-top')));
  await coord.handle(counterMsg(S1, Q4_COUNT_FIN));
  await coord.handle(counterMsg(S1, Q4_COUNT_FIN));
  assert.deepEqual(eosIds(broker, S1), expectedEos(PARTITIONED));
  assert.equal(broker.ofType('complete').length, 0);
  for (const r of RESULT_FINS.slice(0, 3)) await coord.handle(counterMsg(S1, r));
  assert.equal(broker.ofType('complete').length, 0, 'q4-top has not finalised yet');
  await coord.handle(counterMsg(S1, RESULT_FINS[3]));
  await coord.handle(counterMsg(S1, RESULT_FINS[3]));
  const complete = broker.ofType('complete');
  assert.equal(complete.length, 1);
  assert.equal(complete[0].queue, topology.resultsQueue(S1));
  assert.equal(complete[0].id, `complete:${S1}`);
  assert.deepEqual(JSON.parse(complete[0].body.toString()), { results: EXPECTED_RESULTS });
  assert.deepEqual(eosIds(broker, S1), expectedEos(PARTITIONED), 'no EOS re-sent');
  // A malformed counter body is ignored without throwing.
  await coord.handle({ ...counterMsg(S1, SOURCE), body: Buffer.from('not json') });
});

test('delivered: cleanup to every partitioned queue, results queue deleted, nothing left to recover', async (t) => {
  const { broker, coord, dir } = setup(t);
  await coord.handle(openMsg(S1));
  await coord.handle(openMsg(S2));
  for (const r of ALL_REPORTS) await coord.handle(counterMsg(S1, r));
  await coord.handle(deliveredMsg(S1));
  const cleanups = broker
    .ofType('cleanup')
    .map((m) => `${m.queue}|${m.id}|${m.session}`)
    .sort();
  assert.deepEqual(cleanups, PARTITIONED.flatMap((st) => [0, 1].map((p) => `coffee.${st}.${p}|cleanup:${st}.${p}|${S1}`)).sort());
  assert.deepEqual(broker.deleted, [topology.resultsQueue(S1)]);
  assert.equal(coord.active, 1);
  // A second notice (redelivery) does nothing more.
  await coord.handle(deliveredMsg(S1));
  assert.equal(broker.ofType('cleanup').length, 2 * PARTITIONED.length);
  // Late counters of the finished session are ignored.
  const before = broker.published.length;
  await coord.handle(counterMsg(S1, SOURCE));
  assert.equal(broker.published.length, before);

  const restarted = setup(t, 16, dir);
  assert.equal(await restarted.coord.recover(), 1, 'only S2 is left');
  assert.equal(restarted.coord.active, 1);
  assert.ok(!restarted.broker.published.some((m) => m.session === S1));
  await restarted.coord.handle(openMsg(S1));
  assert.equal(reply(restarted.broker.ofType('open-reply')[0]).code, 'ERR_SESSION_FINISHED');
  assert.equal(restarted.coord.active, 1);
});

test('a resume after COMPLETE re-sends COMPLETE (its gateway may have died after acking it, before telling "delivered"); not before', async (t) => {
  const { broker, coord } = setup(t);
  await coord.handle(openMsg(S1));
  for (const r of ALL_REPORTS.slice(0, -1)) await coord.handle(counterMsg(S1, r));
  await coord.handle(openMsg(S1, { resume: true }));
  assert.equal(broker.ofType('complete').length, 0, 'no COMPLETE for a session still counting');
  await coord.handle(counterMsg(S1, ALL_REPORTS.at(-1)!));
  assert.equal(broker.ofType('complete').length, 1);
  await coord.handle(openMsg(S1, { resume: true }));
  assert.equal(reply(broker.ofType('open-reply').at(-1)!).ok, true);
  const complete = broker.ofType('complete');
  assert.equal(complete.length, 2);
  assert.deepEqual(
    complete.map((m) => [m.queue, m.id, JSON.parse(m.body.toString()) as unknown]),
    [0, 1].map(() => [topology.resultsQueue(S1), `complete:${S1}`, { results: EXPECTED_RESULTS }]),
    'the same COMPLETE (same id: the gateway tells its client once)',
  );
  // A wrong token gets nothing.
  await coord.handle(openMsg(S1, { resume: true, token: 'guess' }));
  assert.equal(broker.ofType('complete').length, 2);
});

test('a restarted coordinator re-derives the session from its log', async (t) => {
  const first = setup(t);
  await first.coord.handle(openMsg(S1));
  for (const r of [SOURCE, ...FILTERS, ...AGG_INPUTS]) await first.coord.handle(counterMsg(S1, r));
  assert.deepEqual(eosIds(first.broker, S1), expectedEos(['q1-sort', 'q2-agg', 'q3-agg', 'q4-count']));

  // "Crash": a new coordinator and store on the same folder.
  const second = setup(t, 16, first.dir);
  assert.equal(await second.coord.recover(), 1);
  assert.deepEqual(second.broker.declared, [topology.resultsQueue(S1)]);
  assert.deepEqual(second.broker.published, [], 'EOS already marked is not re-sent');
  // Reports already counted before the crash (redelivered) do not double-count.
  for (const r of AGG_INPUTS) await second.coord.handle(counterMsg(S1, r));
  assert.deepEqual(second.broker.published, []);
  for (const r of [Q4_COUNT_FIN, Q4_TOP_INPUTS]) await second.coord.handle(counterMsg(S1, r));
  assert.deepEqual(eosIds(second.broker, S1), expectedEos(['q4-top']));
  for (const r of RESULT_FINS) await second.coord.handle(counterMsg(S1, r));
  const complete = second.broker.ofType('complete');
  assert.equal(complete.length, 1);
  assert.deepEqual(JSON.parse(complete[0].body.toString()), { results: EXPECTED_RESULTS });

  // Restarting after completion re-sends nothing (complete is marked too).
  const third = setup(t, 16, first.dir);
  assert.equal(await third.coord.recover(), 1);
  assert.deepEqual(third.broker.published, []);
  // recover() twice on one instance replaces rather than duplicates.
  assert.equal(await third.coord.recover(), 1);
  assert.equal(third.coord.active, 1);
});

test('recover re-sends what the log shows as due but not marked sent (crash before the marker)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'coordinator-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new SessionStore(dir);
  await store.append(S1, { k: 'open' });
  for (const r of [SOURCE, ...FILTERS, AGG_INPUTS[0]]) await store.append(S1, { k: 'counter', r });
  const { broker, coord } = setup(t, 16, dir);
  assert.equal(await coord.recover(), 1);
  assert.deepEqual(eosIds(broker, S1), expectedEos(['q1-sort']));
  // ...and marks it, so a further restart does not send it again.
  const again = setup(t, 16, dir);
  await again.coord.recover();
  assert.deepEqual(again.broker.published, []);
});

test('expireIdle fails sessions idle longer than the timeout (state deleted, client told), then forgets them', async (t) => {
  const { broker, coord, dir } = setup(t);
  await coord.handle(openMsg(S1));
  await coord.handle(openMsg(S2));
  await coord.expireIdle(60_000);
  assert.equal(coord.active, 2);
  assert.equal(broker.ofType('cleanup').length, 0);
  await coord.expireIdle(0);
  assert.equal(coord.active, 0, 'expired sessions hold no slot');
  assert.equal(broker.ofType('cleanup').length, 2 * 2 * PARTITIONED.length, 'every partition deletes their state at once');
  const failed = broker.ofType('failed');
  assert.deepEqual(failed.map((m) => m.queue).sort(), [topology.resultsQueue(S1), topology.resultsQueue(S2)].sort());
  assert.equal((JSON.parse(failed[0].body.toString()) as { code: string }).code, 'ERR_SESSION_EXPIRED');
  assert.deepEqual(broker.deleted, [], 'the results queue stays until the client could be told');
  // A resume in between is told why, not "unknown".
  await coord.handle(openMsg(S1, { resume: true }));
  assert.equal(reply(broker.ofType('open-reply').at(-1)!).code, 'ERR_SESSION_EXPIRED');
  await coord.expireIdle(0);
  assert.deepEqual(broker.deleted.sort(), [topology.resultsQueue(S1), topology.resultsQueue(S2)].sort());
  const restarted = setup(t, 16, dir);
  assert.equal(await restarted.coord.recover(), 0);
});

function faultMsg(session: string, code: string, node = 'q4-count-1'): InMessage {
  return {
    type: 'fault',
    id: `fault:${node}:${code}`,
    session,
    headers: {},
    body: encodeJsonBody({ code: code as never, message: 'the disk is full', node }),
    redelivered: false,
  };
}

test('a node fault fails the session once: state deleted everywhere, the client told the cause, the slot freed', async (t) => {
  const { broker, coord, dir } = setup(t, 1);
  await coord.handle(openMsg(S1, { token: 'tok' }));
  await coord.handle(counterMsg(S1, SOURCE));
  await coord.handle(faultMsg(S1, 'ERR_STORAGE_FULL'));
  await coord.handle(faultMsg(S1, 'ERR_STORAGE_FULL', 'q4-count-0'));
  const failed = broker.ofType('failed');
  assert.equal(failed.length, 1, 'failed once, whatever the number of faults');
  assert.equal(failed[0].queue, topology.resultsQueue(S1));
  const body = JSON.parse(failed[0].body.toString()) as { code: string; message: string };
  assert.equal(body.code, 'ERR_STORAGE_FULL');
  assert.match(body.message, /q4-count-1: the disk is full/);
  assert.equal(broker.ofType('cleanup').length, 2 * PARTITIONED.length);
  // Late counters change nothing (no EOS for a failed session); the slot is free for another client.
  for (const r of [...FILTERS, ...AGG_INPUTS]) await coord.handle(counterMsg(S1, r));
  assert.equal(broker.ofType('eos').length, 0);
  await coord.handle(openMsg(S2));
  assert.equal(reply(broker.ofType('open-reply').at(-1)!).ok, true);
  // A resume with the token is told the cause; without it, only that the token is wrong.
  await coord.handle(openMsg(S1, { resume: true, token: 'tok' }));
  assert.equal(reply(broker.ofType('open-reply').at(-1)!).code, 'ERR_STORAGE_FULL');
  await coord.handle(openMsg(S1, { resume: true, token: 'guess' }));
  assert.equal(reply(broker.ofType('open-reply').at(-1)!).code, 'ERR_SESSION_TOKEN');
  // A restarted controller knows the failure and re-sends it (same ids: receivers drop copies).
  const restarted = setup(t, 1, dir);
  await restarted.coord.recover();
  assert.equal(restarted.broker.ofType('failed').length, 1);
  assert.equal(restarted.broker.ofType('failed')[0].id, failed[0].id);
  assert.equal(restarted.coord.active, 1, 'only S2 holds a slot');
});

test('a fault after completion is ignored; a malformed one too', async (t) => {
  const { broker, coord } = setup(t);
  await coord.handle(openMsg(S1));
  await coord.handle(openMsg(S2));
  await coord.handle({ ...faultMsg(S2, 'ERR_QUOTA'), body: Buffer.from('{"code":"nope","message":"x","node":"n"}') });
  await coord.handle({ ...faultMsg(S2, 'ERR_QUOTA'), body: Buffer.from('not json') });
  assert.equal(broker.ofType('failed').length, 0, 'malformed faults are ignored');
  for (const r of [SOURCE, ...FILTERS, ...AGG_INPUTS, Q4_TOP_INPUTS, Q4_COUNT_FIN, ...RESULT_FINS]) await coord.handle(counterMsg(S1, r));
  assert.equal(broker.ofType('complete').length, 1);
  await coord.handle(faultMsg(S1, 'ERR_QUOTA'));
  assert.equal(broker.ofType('failed').length, 0, 'every report is already on its way to the client');
});

test('resume of a session nobody opened is ERR_SESSION_UNKNOWN and creates nothing', async (t) => {
  const { broker, coord } = setup(t);
  await coord.handle(openMsg(S1, { resume: true }));
  assert.equal(reply(broker.ofType('open-reply')[0]).code, 'ERR_SESSION_UNKNOWN');
  assert.equal(coord.active, 0);
  assert.deepEqual(broker.declared, []);
});

test('resume needs the session token; a wrong one is refused and does not keep the session alive', async (t) => {
  const { broker, coord, dir } = setup(t);
  await coord.handle(openMsg(S1, { token: 'secret-1' }));
  await coord.handle(openMsg(S1, { resume: true, token: 'guess' }));
  assert.equal(reply(broker.ofType('open-reply')[1]).code, 'ERR_SESSION_TOKEN');
  await coord.handle(openMsg(S1, { resume: true, token: 'secret-1' }));
  assert.equal(reply(broker.ofType('open-reply')[2]).ok, true);
  // The log holds a hash, never the token itself; a restarted controller still checks it.
  const restarted = setup(t, 16, dir);
  await restarted.coord.recover();
  await restarted.coord.handle(openMsg(S1, { resume: true, token: 'guess' }));
  assert.equal(reply(restarted.broker.ofType('open-reply')[0]).code, 'ERR_SESSION_TOKEN');
  await restarted.coord.handle(openMsg(S1, { resume: true, token: 'secret-1' }));
  assert.equal(reply(restarted.broker.ofType('open-reply')[1]).ok, true);
  const logged = readdirSync(path.join(dir, 'sessions'))
    .map((f) => readFileSync(path.join(dir, 'sessions', f), 'latin1'))
    .join('');
  assert.ok(!logged.includes('secret-1'), 'the resume token is not on disk');
});

test('a session that never got a batch expires after the unused timeout; a used one only after the idle timeout', async (t) => {
  const { coord } = setup(t);
  await coord.handle(openMsg(S1));
  await coord.handle(openMsg(S2));
  await coord.handle(counterMsg(S2, SOURCE));
  await coord.expireIdle(60_000, 0);
  assert.equal(coord.active, 1, 'only the unused session S1 is cleaned up');
  await coord.handle(openMsg(S1, { resume: true }));
  await coord.expireIdle(60_000, 0);
  assert.equal(coord.active, 1);
});

test('an alive notice (client still connected) keeps a used session from expiring; not one that never got a batch', async (t) => {
  const { broker, coord } = setup(t);
  await coord.handle(openMsg(S1));
  await coord.handle(openMsg(S2));
  await coord.handle(counterMsg(S2, SOURCE));
  const alive = (session: string): InMessage => ({
    type: 'alive',
    id: `alive:${session}:${seq++}`,
    session,
    headers: {},
    body: Buffer.alloc(0),
    redelivered: false,
  });
  await new Promise((r) => setTimeout(r, 30));
  await coord.handle(alive(S1));
  await coord.handle(alive(S2));
  // Idle longer than 20 ms except for the notice just received: only S2 (used, alive) stays.
  await coord.expireIdle(20, 20);
  assert.equal(coord.active, 1);
  await coord.handle(openMsg(S2, { resume: true }));
  assert.equal(reply(broker.ofType('open-reply').at(-1)!).ok, true);
});

/** Makes every later append of the store fail as a full disk does. */
function diskFull(store: SessionStore): void {
  store.append = () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
}

test('a full controller disk fails the session at once with ERR_STORAGE_FULL (no endless requeue), and refuses new sessions', async (t) => {
  const { broker, coord, store } = setup(t);
  await coord.handle(openMsg(S1));
  diskFull(store);
  // The counter is handled (not thrown back for a requeue that would fail the same way for ever).
  await coord.handle(counterMsg(S1, SOURCE));
  const failed = broker.ofType('failed');
  assert.equal(failed.length, 1, 'the client is told although the failure could not be logged');
  const body = JSON.parse(failed[0].body.toString()) as { code: string; message: string };
  assert.equal(body.code, 'ERR_STORAGE_FULL');
  assert.match(body.message, /disk holding the controller's state .* is full/);
  assert.equal(broker.ofType('cleanup').length, 2 * PARTITIONED.length, 'every partition drops the session');
  // A new session cannot be logged: refused with the cause, and it holds no slot.
  await coord.handle(openMsg(S2));
  const r = reply(broker.ofType('open-reply').at(-1)!);
  assert.equal(r.ok, false);
  assert.equal(r.code, 'ERR_STORAGE_FULL');
  assert.equal(coord.active, 0);
});
