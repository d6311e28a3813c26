import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { runClient } from '../client/client.js';
import { BAD_ROW_COUNT, HARD_CASE_MISSING } from '../tools/generator/index.js';
import { writeReferenceReport } from '../tools/reference/report.js';
import { REPORT_HTML } from '../queries/report-html.js';
import { FrameDecoder, FrameType, encodeFrame, encodeJsonFrame, type Frame } from '../protocol/wire/frames.js';
import { PROTOCOL_VERSION } from '../protocol/wire/messages.js';
import {
  startTestCluster,
  dataset,
  assertMatchesReference,
  leftoverSessionFiles,
  resultsQueueExists,
  eventually,
  tempDir,
  type TestCluster,
} from '../testing/harness.js';

let tc: TestCluster;
before(async () => {
  // Short idle timeout: the abruptly disconnected client's session must be cleaned up within the test.
  tc = await startTestCluster({ env: { COFFEE__SESSION__IDLE_TIMEOUT: '6000' } });
});
after(async () => {
  await tc?.stop();
});

test('one client: the five reports equal the reference on data with every hard case, bad rows rejected and counted', async () => {
  const data = await dataset({ scale: 0.001, seed: 11, hardCases: true, badRows: true });
  const out = tempDir('coffee-out-');
  const summary = await runClient({ data, out, gateways: tc.cluster.gateways(), progress: false });
  await assertMatchesReference(data, out);
  // Data quality: the joining workers' counts of rows with a missing store / item / user equal the reference's.
  const ref = tempDir('coffee-ref-');
  const { result } = await writeReferenceReport(data, ref);
  assert.deepEqual(summary.dataQuality, result.dataQuality);
  assert.deepEqual(summary.dataQuality, HARD_CASE_MISSING);
  // report.html: below the run's facts, the pipeline's page is the reference's.
  const main = (dir: string): string => /<main>[\s\S]*<\/main>/.exec(readFileSync(path.join(dir, REPORT_HTML), 'utf8'))![0];
  assert.equal(summary.htmlReport, path.join(out, REPORT_HTML));
  assert.equal(main(out), main(ref));
  assert.equal(summary.rejected, BAD_ROW_COUNT);
  const rejects = readFileSync(summary.rejectsFile!, 'utf8').trim().split('\n');
  assert.equal(rejects[0], 'file,line,reason');
  assert.equal(rejects.length - 1, BAD_ROW_COUNT);
  for (const line of rejects.slice(1)) assert.match(line, /^[a-z_]+\/[^,]+\.csv,\d+,/);
  // Nothing of the session is left behind once the client has its reports.
  await eventually(async () => !(await resultsQueueExists(tc, summary.session)), 10_000, 'the results queue to be deleted');
  await eventually(
    () => leftoverSessionFiles(tc).length === 0,
    10_000,
    () => `session state to be deleted (left: ${leftoverSessionFiles(tc).join(', ')})`,
  );
});

test('one client reading its largest table in a reader process (readers 2): the reports equal the reference, rejects as with one reader', async () => {
  const data = await dataset({ scale: 0.001, seed: 15, hardCases: true, badRows: true });
  const outs = [tempDir('coffee-out-2-'), tempDir('coffee-out-1-')];
  const two = await runClient({ data, out: outs[0], gateways: tc.cluster.gateways(), progress: false, htmlReport: false, readers: 2 });
  assert.ok(two.readerResources !== null, 'a reader process read a table');
  await assertMatchesReference(data, outs[0]);
  const one = await runClient({ data, out: outs[1], gateways: tc.cluster.gateways(), progress: false, htmlReport: false, readers: 1 });
  assert.equal(one.readerResources, null);
  assert.equal(two.rejected, BAD_ROW_COUNT);
  assert.equal(readFileSync(two.rejectsFile!, 'utf8'), readFileSync(one.rejectsFile!, 'utf8'));
  assert.deepEqual(two.rows, one.rows);
});

test('three clients at once, different datasets: each gets exactly its own reports', async () => {
  const datas = await Promise.all([11, 12, 13].map((seed, i) => dataset({ scale: 0.0005 * (i + 1), seed, hardCases: i !== 1 })));
  const outs = datas.map(() => tempDir('coffee-out-'));
  const summaries = await Promise.all(
    datas.map((data, i) => runClient({ data, out: outs[i], gateways: tc.cluster.gateways(), progress: false })),
  );
  assert.equal(new Set(summaries.map((s) => s.session)).size, 3);
  for (let i = 0; i < 3; i++) await assertMatchesReference(datas[i], outs[i]);
  await eventually(() => leftoverSessionFiles(tc).length === 0, 10_000, 'every session state to be deleted');
  for (const s of summaries) assert.equal(await resultsQueueExists(tc, s.session), false);
});

/**
 * Opens a raw connection, sends the payloads (after a SESSION frame, if `afterSession`),
 * and returns the frames received until the gateway closes the connection.
 */
function rawExchange(address: string, payloads: Buffer[], afterSession?: Buffer): Promise<Frame[]> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const frames: Frame[] = [];
    const decoder = new FrameDecoder();
    const socket = net.connect({ host, port: Number(port) }, () => {
      for (const p of payloads) socket.write(p);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the gateway did not close the connection'));
    }, 10_000);
    socket.on('data', (c) => {
      for (const f of decoder.push(c)) {
        frames.push(f);
        if (f.type === FrameType.SESSION && afterSession) socket.write(afterSession);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(frames);
    });
  });
}

function errorOf(frames: Frame[]): { code: string; message: string } {
  const err = frames.find((f) => f.type === FrameType.ERROR);
  assert.ok(err, `expected an ERROR frame, got ${frames.map((f) => f.type).join(',')}`);
  return JSON.parse(err.body.toString('utf8')) as { code: string; message: string };
}

test('bad frames get a specific error and a closed connection while a concurrent client gets exact reports', async () => {
  const data = await dataset({ scale: 0.001, seed: 14, hardCases: true });
  const out = tempDir('coffee-out-');
  const [gw] = tc.cluster.gateways();
  const good = runClient({ data, out, gateways: tc.cluster.gateways(), progress: false });

  const hello = encodeJsonFrame(FrameType.HELLO, { version: PROTOCOL_VERSION });
  const oversized = Buffer.alloc(5);
  oversized.writeUInt32BE(512 * 1024 * 1024, 0);
  oversized[4] = FrameType.BATCH;
  const cases: Array<[string, Buffer[], string, Buffer?]> = [
    ['unknown type', [encodeFrame(0x7e as never, Buffer.from('x'))], 'ERR_FRAME_UNKNOWN_TYPE'],
    ['oversized', [oversized], 'ERR_FRAME_TOO_LARGE'],
    ['malformed JSON', [encodeFrame(FrameType.HELLO, Buffer.from('{not json'))], 'ERR_FRAME_MALFORMED'],
    ['zero length', [Buffer.from([0, 0, 0, 0])], 'ERR_FRAME_MALFORMED'],
    ['batch before hello', [encodeFrame(FrameType.BATCH, Buffer.alloc(8))], 'ERR_FRAME_UNEXPECTED'],
    [
      'garbage batch payload',
      [hello],
      'ERR_BATCH_MALFORMED',
      encodeFrame(FrameType.BATCH, Buffer.concat([Buffer.from([4, 0, 0, 0, 0]), Buffer.from('not a batch at all')])),
    ],
    ['batch of an unknown table', [hello], 'ERR_FRAME_MALFORMED', encodeFrame(FrameType.BATCH, Buffer.from([99, 0, 0, 0, 0]))],
    ['results ack without a session', [encodeJsonFrame(FrameType.RESULT_ACK, { id: 'x' })], 'ERR_FRAME_UNEXPECTED'],
    [
      'bad session id on resume',
      [encodeJsonFrame(FrameType.HELLO, { version: PROTOCOL_VERSION, resume: '../../etc/passwd' })],
      'ERR_SESSION_ID',
    ],
  ];
  for (const [what, payloads, code, afterSession] of cases) {
    const frames = await rawExchange(gw, payloads, afterSession);
    const err = errorOf(frames);
    assert.equal(err.code, code, `${what}: ${err.message}`);
    assert.ok(err.message.length > 10, `${what}: the message names the problem`);
  }
  // An abrupt disconnect mid-frame must not disturb anything either.
  const abrupt = net.connect({ host: '127.0.0.1', port: Number(gw.split(':')[1]) }, () => {
    abrupt.write(hello);
    abrupt.write(Buffer.from([0, 0, 1, 0, FrameType.BATCH, 1, 2, 3]));
    abrupt.destroy();
  });
  abrupt.on('error', () => undefined);

  await good;
  await assertMatchesReference(data, out);
  // The sessions of the clients that broke the protocol were cleaned up too.
  // (The abruptly disconnected one is kept for a resume until it is idle for session.idle_timeout.)
  await eventually(
    () => leftoverSessionFiles(tc).length === 0,
    20_000,
    () => `no session state left (left: ${leftoverSessionFiles(tc).join(', ')})`,
  );
});

test('a missing dataset folder is a one-line usage error', async () => {
  await assert.rejects(
    runClient({
      data: path.join(tempDir('coffee-none-'), 'nope'),
      out: tempDir('coffee-out-'),
      gateways: tc.cluster.gateways(),
      progress: false,
    }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_USAGE');
      assert.match(err.message, /does not exist/);
      assert.ok(!err.message.includes('\n'));
      return true;
    },
  );
});
