import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConsumeOptions, InMessage, OutMessage } from '../../node/middleware/broker.js';
import { FakeBroker } from '../../testing/fake-broker.js';
import { Topology } from '../../node/middleware/topology.js';
import { ClusterConfigSchema } from '../../node/config/cluster.js';
import { decodeCounterReport, type CounterReport } from '../../protocol/internal/counters.js';
import { createLogger } from '../../node/log.js';
import { WorkerConfigSchema } from './config.js';
import { PartitionedWorker, type PartitionedLogic } from './partitioned.js';
import type { Emit } from './emit.js';
import { WriteAheadLog } from '../../node/storage/wal.js';
import { PoisonInputError, StorageError } from '../../node/errors.js';
import { isMessageFault } from '../../node/middleware/poison.js';

const topology = new Topology(ClusterConfigSchema.parse({}));
const config = WorkerConfigSchema.parse({});
const log = createLogger('partitioned-test', 'silent');
const S1 = '7a7a7a7a-0000-4000-8000-000000000001';
const S2 = '7a7a7a7a-0000-4000-8000-000000000002';

/** The shared fake, plus what these tests read back: the counter reports and results published. */
class RecordingBroker extends FakeBroker {
  get options(): ConsumeOptions | undefined {
    return this.consumers.at(-1)?.options;
  }
  get handler(): ((msg: InMessage) => Promise<void>) | undefined {
    return this.consumers.at(-1)?.handler;
  }
  reports(): CounterReport[] {
    return this.ofType('counter').map((m) => decodeCounterReport(m.body)!);
  }
  entries(): string[] {
    return this.reports().flatMap((r) => r.entries.map(([id]) => id));
  }
  results(): OutMessage[] {
    return this.ofType('result');
  }
}

/** Sums the numbers in the bodies; counts how many times apply really ran. */
interface SumState {
  sum: number;
  applied: number;
}
const sumLogic: PartitionedLogic<SumState> = {
  newState: () => ({ sum: 0, applied: 0 }),
  apply(state, msg) {
    if (msg.type !== 'n') return;
    const v = Number(msg.body.toString());
    if (!Number.isFinite(v)) throw new Error('not a number');
    state.sum += v;
    state.applied++;
  },
  usage: (state) => ({ keys: state.applied, referenceKeys: 0 }),
  finalize(state, { session, partition }): Emit[] {
    return [
      {
        stage: 'results',
        queue: topology.resultsQueue(session),
        type: 'result',
        id: `r:t.${partition}.0`,
        session,
        body: Buffer.from(JSON.stringify(state)),
      },
    ];
  },
};

function worker(
  dir: string,
  workerConfig = config,
): { broker: RecordingBroker; send: (m: Partial<InMessage> & { id: string }) => Promise<void> } {
  const broker = new RecordingBroker();
  const w = new PartitionedWorker<SumState>({
    stage: 'q3-agg',
    partition: 1,
    nodeId: 'q3-agg-1',
    broker,
    topology,
    config: workerConfig,
    log,
    stateDir: dir,
    logic: sumLogic,
  });
  w.start();
  const send = (m: Partial<InMessage> & { id: string }): Promise<void> =>
    broker.handler!({ type: 'n', session: S1, headers: {}, body: Buffer.alloc(0), redelivered: false, ...m });
  return { broker, send };
}
const data = (id: string, n: number, session = S1) => ({ id, type: 'n', session, body: Buffer.from(String(n)) });
const eos = (session = S1) => ({ id: `eos:q3-agg.1`, type: 'eos', session });
const cleanup = (session = S1) => ({ id: `cleanup:q3-agg.1`, type: 'cleanup', session });
const resultState = (b: RecordingBroker, session = S1): SumState[] =>
  b
    .results()
    .filter((m) => m.session === session)
    .map((m) => JSON.parse(m.body.toString()) as SumState);

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'partitioned-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('consumes its own partition queue, exclusively', (t) => {
  const { broker } = worker(tempDir(t));
  assert.equal(broker.options!.queue, 'coffee.q3-agg.1');
  assert.equal(broker.options!.exclusive, true);
});

test('a message applied twice changes the state once but is reported both times', async (t) => {
  const { broker, send } = worker(tempDir(t));
  await send(data('a>q3-agg.1', 5));
  await send(data('a>q3-agg.1', 5)); // redelivery
  await send(data('b>q3-agg.1', 7));
  assert.deepEqual(broker.entries(), ['a>q3-agg.1', 'a>q3-agg.1', 'b>q3-agg.1']);
  // Reports go to the session's controller, tagged with this stage.
  const counters = broker.published.filter((m) => m.type === 'counter');
  assert.ok(counters.every((m) => m.queue === topology.controllerQueue(topology.controllerFor(S1)) && m.session === S1));
  assert.ok(broker.reports().every((r) => r.stage === 'q3-agg'));
  await send(eos());
  assert.deepEqual(resultState(broker), [{ sum: 12, applied: 2 }]);
  // EOS is reported as eos:<partition> with the count of what it emitted.
  const last = broker.reports().at(-1)!;
  assert.deepEqual(last.entries, [['eos:1', { results: 1 }]]);
});

test('an undecodable message is poison: thrown (the broker dead-letters it, the session fails), never applied, counted nor logged', async (t) => {
  const dir = tempDir(t);
  const { broker, send } = worker(dir);
  await send(data('ok>q3-agg.1', 3));
  await assert.rejects(
    send(data('bad>q3-agg.1', NaN)),
    (err: unknown) => err instanceof PoisonInputError && /bad>q3-agg\.1/.test(err.message) && isMessageFault(err, true),
  );
  assert.deepEqual(broker.entries(), ['ok>q3-agg.1'], 'not reported as consumed: the counts stay honest');
  const again = worker(dir);
  await again.send(eos());
  assert.deepEqual(resultState(again.broker), [{ sum: 3, applied: 1 }]);
  // A session this node never saw keeps nothing: no slot, no file.
  await assert.rejects(send(data('bad2', NaN, S2)), PoisonInputError);
  assert.equal(existsSync(path.join(dir, 'sessions', `${S2}.wal`)), false);
});

test('state survives a restart: a new worker on the same folder finalises the same result', async (t) => {
  const dir = tempDir(t);
  const first = worker(dir);
  await first.send(data('a', 1));
  await first.send(data('b', 10));
  await first.send(data('x', 100, S2));
  await first.send(eos());
  const before = resultState(first.broker);

  const second = worker(dir); // "crash" and restart: state comes back from the logs
  await second.send(data('b', 10)); // redelivered after the crash: already applied
  await second.send(eos());
  assert.deepEqual(resultState(second.broker), before);
  assert.deepEqual(before, [{ sum: 11, applied: 2 }]);
  await second.send(eos(S2));
  assert.deepEqual(resultState(second.broker, S2), [{ sum: 100, applied: 1 }]);
  // And it keeps appending to the same logs.
  await second.send(data('c', 1000));
  const third = worker(dir);
  await third.send(eos());
  assert.deepEqual(resultState(third.broker), [{ sum: 1011, applied: 3 }]);
});

test("cleanup deletes the session's files; later messages of it are dropped, also after a restart", async (t) => {
  const dir = tempDir(t);
  const w = worker(dir);
  await w.send(data('a', 1));
  await w.send(data('z', 9, S2));
  const wal = path.join(dir, 'sessions', `${S1}.wal`);
  assert.ok(existsSync(wal));
  const saved = path.join(dir, 'saved.wal');
  copyFileSync(wal, saved);
  await w.send(cleanup());
  assert.equal(existsSync(wal), false);
  assert.ok(existsSync(path.join(dir, 'sessions', `${S2}.wal`)), 'other sessions are untouched');

  const n = w.broker.published.length;
  await w.send(data('b', 2)); // a late redelivery
  await w.send(eos());
  await w.send(cleanup());
  assert.equal(w.broker.published.length, n, 'nothing published or reported for a finished session');
  assert.equal(existsSync(wal), false, 'no state resurrected');

  // Restart: still finished. Even a log that survived the clean-up (crash between the
  // tombstone and the delete) is removed and not replayed.
  copyFileSync(saved, wal);
  const r = worker(dir);
  await r.send(data('c', 3));
  await r.send(eos());
  assert.equal(r.broker.published.length, 0);
  assert.deepEqual(readdirSync(path.join(dir, 'sessions')), [`${S2}.wal`]);
  await r.send(eos(S2));
  assert.deepEqual(resultState(r.broker, S2), [{ sum: 9, applied: 1 }]);
});

test('cleanup of a session this replica never saw is remembered too', async (t) => {
  const dir = tempDir(t);
  const w = worker(dir);
  await w.send(cleanup(S2));
  await w.send(data('late', 4, S2));
  assert.equal(w.broker.published.length, 0);
  assert.equal(existsSync(path.join(dir, 'sessions', `${S2}.wal`)), false);
  const r = worker(dir);
  await r.send(data('later', 4, S2));
  assert.equal(r.broker.published.length, 0);
});

test('messages without a valid session id are dropped', async (t) => {
  const dir = tempDir(t);
  const w = worker(dir);
  await w.send({ ...data('a', 1), session: '../../x' });
  await w.send({ ...data('a', 1), session: '' });
  assert.equal(w.broker.published.length, 0);
  assert.deepEqual(readdirSync(path.join(dir, 'sessions')), []);
});

test('a full disk fails the session (fault to its controller, files deleted, no exit); other sessions go on', async (t) => {
  const dir = tempDir(t);
  const w = worker(dir);
  await w.send(data('a', 1));
  await w.send(data('z', 9, S2));
  // The file system refuses S1's next record as a full disk does (ENOSPC under the StorageError).
  // eslint-disable-next-line @typescript-eslint/unbound-method -- restored below, called with its own `this`
  const original = WriteAheadLog.prototype.append;
  WriteAheadLog.prototype.append = function (this: WriteAheadLog, rec: Buffer) {
    if (this.file.includes(S1)) {
      const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return Promise.reject(new StorageError(`cannot write ${this.file}: ${enospc.message}`, enospc));
    }
    return original.call(this, rec);
  };
  t.after(() => {
    WriteAheadLog.prototype.append = original;
  });
  await w.send(data('b', 2)); // resolves (acked): exiting would only restart into the same full disk
  const faults = w.broker.ofType('fault');
  assert.equal(faults.length, 1);
  assert.equal(faults[0].queue, topology.controllerQueue(topology.controllerFor(S1)));
  assert.equal(faults[0].session, S1);
  const body = JSON.parse(faults[0].body.toString()) as { code: string; message: string; node: string };
  assert.equal(body.code, 'ERR_STORAGE_FULL');
  assert.equal(body.node, 'q3-agg-1');
  assert.match(body.message, /full/);
  assert.equal(existsSync(path.join(dir, 'sessions', `${S1}.wal`)), false, "the session's files are deleted at once");
  // Later messages of S1 are dropped (no state, no reports) until the cleanup; S2 is untouched.
  const reported = w.broker.entries().length;
  await w.send(data('c', 3));
  await w.send(eos());
  assert.equal(w.broker.entries().length, reported);
  assert.equal(resultState(w.broker).length, 0);
  await w.send(eos(S2));
  assert.deepEqual(resultState(w.broker, S2), [{ sum: 9, applied: 1 }]);
  WriteAheadLog.prototype.append = original;
  await w.send(cleanup());
  await w.send(data('d', 4));
  assert.equal(existsSync(path.join(dir, 'sessions', `${S1}.wal`)), false, 'finished for good after the cleanup');
});

const faultsOf = (b: RecordingBroker, session = S1): Array<{ code: string; message: string; node: string }> =>
  b
    .ofType('fault')
    .filter((m) => m.session === session)
    .map((m) => JSON.parse(m.body.toString()) as { code: string; message: string; node: string });
const quotaConfig = (quotas: Record<string, number>) => WorkerConfigSchema.parse({ quotas });

test('a session over its keys quota is failed (ERR_QUOTA naming the key, files deleted, acked); other sessions go on', async (t) => {
  const dir = tempDir(t);
  const w = worker(dir, quotaConfig({ groups: 2 })); // q3-agg's keys are its groups; sumLogic counts applied messages
  await w.send(data('a', 1));
  await w.send(data('z', 9, S2));
  await w.send(data('b', 2));
  assert.equal(faultsOf(w.broker).length, 0, 'at the quota is still within it');
  await w.send(data('c', 3)); // the third key: over
  const faults = faultsOf(w.broker);
  assert.equal(faults.length, 1);
  assert.equal(faults[0].code, 'ERR_QUOTA');
  assert.equal(faults[0].node, 'q3-agg-1');
  assert.match(faults[0].message, /more than 2 groups summed/);
  assert.match(faults[0].message, /quotas\.groups/);
  assert.equal(w.broker.ofType('fault')[0].queue, topology.controllerQueue(topology.controllerFor(S1)));
  assert.equal(existsSync(path.join(dir, 'sessions', `${S1}.wal`)), false, "the session's log is deleted at once");
  assert.ok(!w.broker.entries().includes('c'), 'the message over quota is not reported as consumed');
  // Later messages of S1 are dropped without state until the cleanup; S2 goes on.
  const published = w.broker.published.length;
  await w.send(data('d', 4));
  await w.send(eos());
  assert.equal(w.broker.published.length, published);
  await w.send(eos(S2));
  assert.deepEqual(resultState(w.broker, S2), [{ sum: 9, applied: 1 }]);
  await w.send(cleanup());
  assert.equal(existsSync(path.join(dir, 'sessions', `${S1}.wal`)), false);
});

test('the log_bytes quota bounds what one session may log here', async (t) => {
  const dir = tempDir(t);
  const w = worker(dir, quotaConfig({ log_bytes: 100 }));
  await w.send(data('a', 1)); // a record is 3 + id + type + body bytes, plus its 8-byte header: ~14 bytes
  await w.send({ ...data('b', 2), body: Buffer.from('2'.padEnd(200, ' ')) });
  const faults = faultsOf(w.broker);
  assert.equal(faults.length, 1);
  assert.match(faults[0].message, /quotas\.log_bytes/);
  assert.equal(existsSync(path.join(dir, 'sessions', `${S1}.wal`)), false);
});

test('a replayed log over quota gives the session up instead of growing memory; the controller is told; others recover', async (t) => {
  const dir = tempDir(t);
  const first = worker(dir);
  for (let i = 0; i < 5; i++) await first.send(data(`m${i}`, i));
  await first.send(data('z', 9, S2));
  // Restarted with a lower quota (or after dying of memory before its check): replay stops at the quota.
  const second = worker(dir, quotaConfig({ groups: 3 }));
  await second.send(eos(S2)); // the load ran (messages wait for it)
  assert.deepEqual(resultState(second.broker, S2), [{ sum: 9, applied: 1 }]);
  await eventuallyTrue(() => faultsOf(second.broker).length === 1, 'the fault of the session given up during replay');
  assert.equal(faultsOf(second.broker)[0].code, 'ERR_QUOTA');
  assert.match(faultsOf(second.broker)[0].message, /quotas\.groups/);
  assert.equal(existsSync(path.join(dir, 'sessions', `${S1}.wal`)), false, 'its log is deleted: the next restart does not replay it');
  await second.send(eos());
  assert.equal(resultState(second.broker, S1).length, 0, 'nothing is finalised for the session given up');
  const third = worker(dir, quotaConfig({ groups: 3 }));
  await third.send(eos(S2));
  assert.equal(faultsOf(third.broker).length, 0);
});

/** Lets queued promise jobs run until `cond` holds (no timers). */
async function eventuallyTrue(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), `never happened: ${what}`);
}
