import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, FrameType, encodeJsonFrame, parseJsonBody, type Frame } from '../protocol/wire/frames.js';
import { PROTOCOL_VERSION, decodeBatchAck, decodeResultFrame, encodeBatchFrame } from '../protocol/wire/messages.js';
import { encodeRows } from '../testing/batch-rows.js';
import { BatchEncoder } from '../dataset/batch-codec.js';
import { TABLE_CODES, type TableName } from '../dataset/tables.js';
import { isCoffeeError } from '../node/errors.js';
import type { InMessage } from '../node/middleware/broker.js';
import type { ConsumerHandle } from '../node/middleware/port.js';
import { createLogger } from '../node/log.js';
import { FakeConsumer } from '../testing/fake-broker.js';
import { ClientSession, type ClientSessionOptions, type SessionConnection, type SessionController } from './client-session.js';
import type { OpenReply, OpenRequest } from '../protocol/internal/messages.js';
import { SessionQuotas, type GatewayQuotaLimits } from './session-quotas.js';

const log = createLogger('client-session-test', 'silent');
const SESSION = '5e5e5e5e-0000-4000-8000-000000000001';

/** The client's side of one connection: frames in as the gateway sent them, frames out as a client sends them. */
class FakeConnection implements SessionConnection {
  readonly remote = 'test-client:1';
  /** Every frame the session sent to the client, in order. */
  readonly sent: Frame[] = [];
  ended = false;
  dataFramesAllowed = false;
  readonly paused = new Set<string>();
  waitingOnClient: () => boolean = () => false;
  private closed = false;
  private readonly decoder = new FrameDecoder();
  private onFrame: ((frame: Frame) => void) | undefined;
  private readonly closeHandlers: Array<() => void> = [];
  private readonly failHandlers: Array<(err: unknown) => void> = [];

  get isClosed(): boolean {
    return this.closed;
  }
  onFrames(handler: (frame: Frame) => void): void {
    this.onFrame = handler;
  }
  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }
  onFail(handler: (err: unknown) => void): void {
    this.failHandlers.push(handler);
  }
  allowDataFrames(): void {
    this.dataFramesAllowed = true;
  }
  setWaitingOnClient(check: () => boolean): void {
    this.waitingOnClient = check;
  }
  pause(reason: 'batches' | 'steps' | 'writes'): void {
    this.paused.add(reason);
  }
  resume(reason: 'batches' | 'steps' | 'writes'): void {
    this.paused.delete(reason);
  }
  send(parts: Buffer | Buffer[]): void {
    if (this.closed) return;
    for (const p of Array.isArray(parts) ? parts : [parts]) this.sent.push(...this.decoder.push(p));
  }
  /** As FramedConnection: an ERROR frame with the error's code, then closed. */
  fail(err: unknown): void {
    if (this.closed) return;
    const code = isCoffeeError(err) ? err.code : 'ERR_INTERNAL';
    this.send(encodeJsonFrame(FrameType.ERROR, { code, message: err instanceof Error ? err.message : String(err) }));
    this.markClosed();
    for (const h of this.failHandlers.splice(0)) h(err);
  }
  end(last?: Buffer): void {
    if (last) this.send(last);
    this.ended = true;
    this.markClosed();
  }

  /** The client sends frames; as in FramedConnection, a throwing handler fails the connection. */
  receive(parts: Buffer | Buffer[]): void {
    const decoder = new FrameDecoder();
    for (const p of Array.isArray(parts) ? parts : [parts])
      for (const frame of decoder.push(p)) {
        if (this.closed) return;
        try {
          this.onFrame!(frame);
        } catch (err) {
          this.fail(err);
        }
      }
  }
  /** The client went away without a word. */
  disconnect(): void {
    this.markClosed();
  }
  ofType(type: number): Frame[] {
    return this.sent.filter((f) => f.type === type);
  }
  errorCode(): string | undefined {
    const err = this.ofType(FrameType.ERROR)[0];
    return err ? String(parseJsonBody(err).code) : undefined;
  }
  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.closeHandlers.splice(0)) h();
  }
}

interface Forwarded {
  session: string;
  table: TableName;
  seq: number;
  confirm(): void;
  refuse(err: Error): void;
}

/** The middleware side: admission answers, batch publishes the test confirms, a results consumer it feeds. */
class FakeController implements SessionController {
  reply: OpenReply = { ok: true };
  readonly opened: string[] = [];
  readonly requests: OpenRequest[] = [];
  readonly forwarded: Forwarded[] = [];
  readonly tableEnds: Array<{ session: string; table: TableName; batches: number }> = [];
  readonly finished: string[] = [];
  readonly faults: Array<{ session: string; code: string; message: string }> = [];
  results: FakeConsumer | undefined;
  stopped = 0;

  openSession(session: string, request: OpenRequest): Promise<OpenReply> {
    this.opened.push(session);
    this.requests.push(request);
    return Promise.resolve(this.reply);
  }
  forwardBatch(session: string, table: TableName, seq: number): Promise<void> {
    return new Promise((resolve, reject) => this.forwarded.push({ session, table, seq, confirm: resolve, refuse: reject }));
  }
  /** While set, TABLE_END forwards wait for it (a slow broker). */
  tableEndGate: Promise<void> | undefined;
  endTable(session: string, table: TableName, batches: number): Promise<void> {
    this.tableEnds.push({ session, table, batches });
    return this.tableEndGate ?? Promise.resolve();
  }
  consumeResults(session: string, prefetch: number, handler: (msg: InMessage) => Promise<void>): ConsumerHandle {
    this.results = new FakeConsumer({ queue: `results.${session}`, prefetch, concurrency: prefetch, passive: true }, handler);
    return this.results;
  }
  /** While set, stopping the results consumer fails with it (a channel already gone). */
  stopFails: Error | undefined;
  stopResults(consumer: ConsumerHandle): Promise<void> {
    this.stopped++;
    if (this.stopFails) return Promise.reject(this.stopFails);
    return consumer.close();
  }
  finishSession(session: string): Promise<void> {
    this.finished.push(session);
    return Promise.resolve();
  }
  reportFault(session: string, code: string, message: string): Promise<void> {
    this.faults.push({ session, code, message });
    return Promise.resolve();
  }
}

/** Lets the session's queued steps run until `cond` holds (fails the test if it never does). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), `timed out waiting for: ${what}`);
}

const GENEROUS: GatewayQuotaLimits = { rows: 1e9, bytes: 1e12, batches: 1e6, referenceBatches: 1e6, referenceRows: 1e9 };
const OPTIONS: Omit<ClientSessionOptions, 'quotas'> = {
  controllerTimeoutMs: 1000,
  resultsPrefetch: 4,
  helloTimeoutMs: 10_000,
  maxBatchesInFlight: 3,
  maxUnknownResultAcks: 2,
  authToken: '',
};

function setup(options: Partial<ClientSessionOptions> = {}): {
  conn: FakeConnection;
  controller: FakeController;
  established: ClientSession[];
} {
  const conn = new FakeConnection();
  const controller = new FakeController();
  const established: ClientSession[] = [];
  new ClientSession(conn, controller, { ...OPTIONS, quotas: new SessionQuotas(GENEROUS), ...options }, log, (s) => established.push(s));
  return { conn, controller, established };
}

const hello = (resume?: string): Buffer =>
  encodeJsonFrame(FrameType.HELLO, resume ? { version: PROTOCOL_VERSION, resume } : { version: PROTOCOL_VERSION });
const storesBatch = (seq: number): Buffer[] =>
  encodeBatchFrame(TABLE_CODES.stores, seq, encodeRows('stores', [{ storeId: seq + 1, storeName: `S${seq}` }]));
const tableEnd = (table: TableName, batches: number): Buffer => encodeJsonFrame(FrameType.TABLE_END, { table, batches });
const resultMsg = (id: string): InMessage => ({
  type: 'result',
  id,
  session: SESSION,
  headers: { q: 'q3', p: 0, k: 0 },
  body: Buffer.from('[]'),
  redelivered: false,
});
const completeMsg = (results: number): InMessage => ({
  type: 'complete',
  id: `complete:${SESSION}`,
  session: SESSION,
  headers: {},
  body: Buffer.from(JSON.stringify({ results })),
  redelivered: false,
});

/** A session opened (resumed as SESSION, so ids are known) with its results consumer running. */
async function opened(options: Partial<ClientSessionOptions> = {}): Promise<ReturnType<typeof setup>> {
  const s = setup(options);
  s.conn.receive(hello(SESSION));
  await until(() => s.conn.ofType(FrameType.SESSION).length === 1, 'SESSION');
  return s;
}

test('HELLO opens a new session through the controller and answers SESSION with its id', async () => {
  const { conn, controller, established } = setup();
  conn.receive(hello());
  await until(() => conn.ofType(FrameType.SESSION).length === 1, 'SESSION');
  const body = parseJsonBody(conn.ofType(FrameType.SESSION)[0]);
  assert.equal(controller.opened.length, 1);
  assert.equal(body.session, controller.opened[0]);
  assert.equal(established.length, 1);
  assert.equal(established[0].session, body.session);
  assert.equal(controller.results?.options.queue, `results.${String(body.session)}`);
});

test('HELLO resuming a session re-opens that same session', async () => {
  const { conn, controller } = await opened();
  assert.deepEqual(controller.opened, [SESSION]);
  assert.equal(parseJsonBody(conn.ofType(FrameType.SESSION)[0]).session, SESSION);
});

test("a refused HELLO is an ERROR frame with the controller's code", async () => {
  const { conn, controller, established } = setup();
  controller.reply = { ok: false, code: 'ERR_BUSY', message: 'too many clients' };
  conn.receive(hello());
  await until(() => conn.isClosed, 'connection closed');
  assert.equal(conn.errorCode(), 'ERR_BUSY');
  assert.equal(established.length, 0);
});

test('BATCH before HELLO is ERR_FRAME_UNEXPECTED and nothing reaches the middleware', () => {
  const { conn, controller } = setup();
  conn.receive(storesBatch(0));
  assert.equal(conn.errorCode(), 'ERR_FRAME_UNEXPECTED');
  assert.ok(conn.isClosed);
  assert.equal(controller.forwarded.length, 0);
  assert.equal(controller.finished.length, 0, 'no session yet: nothing to abort');
});

test('a second HELLO is ERR_FRAME_UNEXPECTED and aborts the session', async () => {
  const { conn, controller } = await opened();
  conn.receive(hello(SESSION));
  assert.equal(conn.errorCode(), 'ERR_FRAME_UNEXPECTED');
  await until(() => controller.finished.length === 1, 'session aborted');
  assert.deepEqual(controller.finished, [SESSION]);
});

test('batches are acked once confirmed, in the order they came, even if confirmed out of order', async () => {
  const { conn, controller } = await opened();
  conn.receive([...storesBatch(0), ...storesBatch(1)]);
  assert.deepEqual(
    controller.forwarded.map((f) => [f.session, f.table, f.seq]),
    [
      [SESSION, 'stores', 0],
      [SESSION, 'stores', 1],
    ],
    'both published at once',
  );
  controller.forwarded[1].confirm();
  await new Promise((r) => setImmediate(r));
  assert.equal(conn.ofType(FrameType.BATCH_ACK).length, 0, 'batch 1 waits for batch 0');
  controller.forwarded[0].confirm();
  await until(() => conn.ofType(FrameType.BATCH_ACK).length === 2, 'two acks');
  assert.deepEqual(
    conn.ofType(FrameType.BATCH_ACK).map((f) => decodeBatchAck(f)),
    [
      { tableCode: TABLE_CODES.stores, seq: 0 },
      { tableCode: TABLE_CODES.stores, seq: 1 },
    ],
  );
});

test('a batch the middleware cannot take closes the connection without an ack, and keeps the session for a resume', async () => {
  const { conn, controller } = await opened();
  conn.receive(storesBatch(0));
  controller.forwarded[0].refuse(new Error('broker gone'));
  await until(() => conn.isClosed, 'connection closed');
  // Retryable (errors.ts RETRYABLE): the client resumes; the session is not thrown away.
  assert.equal(conn.errorCode(), 'ERR_BROKER');
  assert.equal(conn.ofType(FrameType.BATCH_ACK).length, 0);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(controller.finished, [], 'not aborted');
});

test('a BATCH whose rows are of another table is ERR_BATCH_MALFORMED', async () => {
  const { conn, controller } = await opened();
  conn.receive(encodeBatchFrame(TABLE_CODES.users, 0, encodeRows('stores', [{ storeId: 1, storeName: 'S' }])));
  assert.equal(conn.errorCode(), 'ERR_BATCH_MALFORMED');
  assert.equal(controller.forwarded.length, 0);
});

test('TABLE_END is reported to the controller and acked after the batches before it', async () => {
  const { conn, controller } = await opened();
  conn.receive([...storesBatch(0), tableEnd('stores', 1)]);
  await new Promise((r) => setImmediate(r));
  assert.equal(conn.ofType(FrameType.TABLE_END_ACK).length, 0, 'waits for batch 0');
  controller.forwarded[0].confirm();
  await until(() => conn.ofType(FrameType.TABLE_END_ACK).length === 1, 'TABLE_END_ACK');
  assert.deepEqual(controller.tableEnds, [{ session: SESSION, table: 'stores', batches: 1 }]);
  assert.deepEqual(parseJsonBody(conn.ofType(FrameType.TABLE_END_ACK)[0]), { table: 'stores' });
  assert.deepEqual(
    conn.sent.filter((f) => f.type !== FrameType.SESSION).map((f) => f.type),
    [FrameType.BATCH_ACK, FrameType.TABLE_END_ACK],
  );
});

test('TABLE_END counting fewer batches than were sent is ERR_FRAME_MALFORMED', async () => {
  const { conn, controller } = await opened();
  conn.receive([...storesBatch(0), ...storesBatch(1), tableEnd('stores', 1)]);
  assert.equal(conn.errorCode(), 'ERR_FRAME_MALFORMED');
  assert.equal(controller.tableEnds.length, 0);
});

test('a result is acked to the middleware only once the client acks it; a duplicate delivery is sent and acked again', async () => {
  const { conn, controller } = await opened();
  let settled = false;
  const first = controller.results!.handler(resultMsg('r:q3.0.0')).then(() => (settled = true));
  const frames = conn.ofType(FrameType.RESULT);
  assert.equal(frames.length, 1);
  assert.deepEqual(decodeResultFrame(frames[0]).meta, { id: 'r:q3.0.0', q: 'q3', p: 0, k: 0 });
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'not acked before the client acks');
  conn.receive(encodeJsonFrame(FrameType.RESULT_ACK, { id: 'r:q3.0.0' }));
  await first;
  // The broker redelivers the same message (its ack was lost): the client gets it again.
  const again = controller.results!.handler(resultMsg('r:q3.0.0'));
  assert.equal(conn.ofType(FrameType.RESULT).length, 2);
  conn.receive(encodeJsonFrame(FrameType.RESULT_ACK, { id: 'r:q3.0.0' }));
  await again;
  // A stray second ack for an id already settled is ignored, not a protocol error.
  conn.receive(encodeJsonFrame(FrameType.RESULT_ACK, { id: 'r:q3.0.0' }));
  assert.equal(conn.isClosed, false);
});

test('COMPLETE then DONE: results stop, the session is finished, BYE ends the connection', async () => {
  const { conn, controller } = await opened();
  const complete = controller.results!.handler(completeMsg(0));
  assert.deepEqual(parseJsonBody(conn.ofType(FrameType.COMPLETE)[0]), { results: 0 });
  conn.receive(encodeJsonFrame(FrameType.DONE, {}));
  await complete;
  await until(() => conn.ended, 'connection ended');
  assert.equal(controller.stopped, 1);
  assert.deepEqual(controller.finished, [SESSION]);
  assert.equal(conn.sent.at(-1)?.type, FrameType.BYE);
});

test('a FAILED session (a node fault, expiry) is an ERROR frame with its code and message, now; nothing is finished here', async () => {
  const { conn, controller } = await opened();
  const failed: InMessage = {
    type: 'failed',
    id: `failed:${SESSION}`,
    session: SESSION,
    headers: {},
    body: Buffer.from(JSON.stringify({ code: 'ERR_STORAGE_FULL', message: 'q4-count-0: the disk is full' })),
    redelivered: false,
  };
  await controller.results!.handler(failed);
  assert.equal(conn.errorCode(), 'ERR_STORAGE_FULL');
  assert.match(String(parseJsonBody(conn.ofType(FrameType.ERROR)[0]).message), /q4-count-0: the disk is full/);
  assert.ok(conn.isClosed);
  // The controller keeps the failure so a resume is told the same; the gateway does not finish it.
  assert.deepEqual(controller.finished, []);
});

test('DONE before COMPLETE is ERR_FRAME_UNEXPECTED', async () => {
  const { conn } = await opened();
  conn.receive(encodeJsonFrame(FrameType.DONE, {}));
  assert.equal(conn.errorCode(), 'ERR_FRAME_UNEXPECTED');
});

test('a client that disconnects keeps its session: un-acked results go back to the queue, nothing is finished', async () => {
  const { conn, controller } = await opened();
  const pending = controller.results!.handler(resultMsg('r:q3.0.1'));
  const complete = controller.results!.handler(completeMsg(1));
  conn.disconnect();
  await assert.rejects(pending, /client disconnected/);
  await assert.rejects(complete, /client disconnected/);
  await until(() => controller.stopped === 1, 'results consumer stopped');
  assert.deepEqual(controller.finished, [], 'kept for a resume');

  // The client resumes on a new connection: the same session, the results delivered again.
  const next = setup();
  next.conn.receive(hello(SESSION));
  await until(() => next.conn.ofType(FrameType.SESSION).length === 1, 'SESSION on resume');
  assert.deepEqual(next.controller.opened, [SESSION]);
  const redelivered = next.controller.results!.handler({ ...resultMsg('r:q3.0.1'), redelivered: true });
  next.conn.receive(encodeJsonFrame(FrameType.RESULT_ACK, { id: 'r:q3.0.1' }));
  await redelivered;
});

test('a result delivered twice inside the prefetch window settles both deliveries with one ack', async () => {
  const { conn, controller } = await opened();
  const first = controller.results!.handler(resultMsg('r:q3.0.2'));
  const second = controller.results!.handler(resultMsg('r:q3.0.2'));
  assert.equal(conn.ofType(FrameType.RESULT).length, 1, 'the client is sent it once');
  conn.receive(encodeJsonFrame(FrameType.RESULT_ACK, { id: 'r:q3.0.2' }));
  await first;
  await second;
});

test('a COMPLETE delivered twice is sent once and both settle on DONE: the client gets BYE', async () => {
  const { conn, controller } = await opened();
  const a = controller.results!.handler(completeMsg(0));
  const b = controller.results!.handler(completeMsg(0));
  assert.equal(conn.ofType(FrameType.COMPLETE).length, 1);
  conn.receive(encodeJsonFrame(FrameType.DONE, {}));
  await a;
  await b;
  await until(() => conn.ended, 'connection ended');
  assert.equal(conn.sent.at(-1)?.type, FrameType.BYE);
  assert.equal(conn.errorCode(), undefined);
});

test('a COMPLETE or result delivered after DONE (a re-send for a resume, a redelivery) is acked at once, not held or sent', async () => {
  const { conn, controller } = await opened();
  const complete = controller.results!.handler(completeMsg(0));
  conn.receive(encodeJsonFrame(FrameType.DONE, {}));
  await complete;
  let settled = 0;
  void controller.results!.handler(completeMsg(0)).then(() => settled++);
  void controller.results!.handler(resultMsg('r:q3.0.9')).then(() => settled++);
  await until(() => settled === 2, 'both late deliveries settled');
  assert.equal(conn.ofType(FrameType.COMPLETE).length, 1);
  assert.equal(conn.ofType(FrameType.RESULT).length, 0);
  await until(() => conn.ended, 'connection ended');
  assert.deepEqual(controller.finished, [SESSION]);
});

test('DONE then the client disconnects at once: the results consumer is stopped once and the session is still finished', async () => {
  const { conn, controller } = await opened();
  const complete = controller.results!.handler(completeMsg(0));
  conn.receive(encodeJsonFrame(FrameType.DONE, {}));
  conn.disconnect();
  await complete;
  await until(() => controller.finished.length === 1, 'session finished');
  assert.equal(controller.stopped, 1);
});

test('a results consumer that fails to stop does not keep the controller from hearing "delivered"', async () => {
  const { conn, controller } = await opened();
  controller.stopFails = new Error('channel closed');
  const complete = controller.results!.handler(completeMsg(0));
  conn.receive(encodeJsonFrame(FrameType.DONE, {}));
  await complete;
  await until(() => conn.ended, 'connection ended');
  assert.deepEqual(controller.finished, [SESSION]);
  assert.equal(conn.sent.at(-1)?.type, FrameType.BYE);
});

test('RESULT_ACKs for no result in flight close the connection after the limit', async () => {
  const { conn } = await opened();
  for (let i = 0; i < 2; i++) conn.receive(encodeJsonFrame(FrameType.RESULT_ACK, { id: `nope${i}` }));
  assert.equal(conn.isClosed, false, 'a few are tolerated');
  conn.receive(encodeJsonFrame(FrameType.RESULT_ACK, { id: 'nope-again' }));
  assert.equal(conn.errorCode(), 'ERR_FRAME_UNEXPECTED');
});

test('at max batches in flight reading pauses, and resumes as they are confirmed', async () => {
  const { conn, controller } = await opened();
  conn.receive([...storesBatch(0), ...storesBatch(1)]);
  assert.equal(conn.paused.has('batches'), false);
  conn.receive(storesBatch(2));
  assert.equal(conn.paused.has('batches'), true);
  controller.forwarded[0].confirm();
  await until(() => !conn.paused.has('batches'), 'reading resumed');
});

test('a repeated TABLE_END on one connection is acked but forwarded once; a different count is malformed', async () => {
  const { conn, controller } = await opened();
  for (let i = 0; i < 50; i++) conn.receive(tableEnd('stores', 0));
  await until(() => conn.ofType(FrameType.TABLE_END_ACK).length === 50, 'every TABLE_END acked');
  assert.equal(controller.tableEnds.length, 1, 'the controller is told once: each forward is a logged counter report');
  conn.receive(tableEnd('stores', 3));
  assert.equal(conn.errorCode(), 'ERR_FRAME_MALFORMED');
});

test('frames waiting on the broker pause reading at the cap (a stream of TABLE_ENDs cannot grow the gateway)', async () => {
  const { conn, controller } = await opened();
  let open!: () => void;
  controller.tableEndGate = new Promise<void>((r) => (open = r));
  conn.receive([tableEnd('stores', 0), tableEnd('users', 0)]);
  assert.equal(conn.paused.has('steps'), false);
  conn.receive(tableEnd('menu_items', 0));
  assert.equal(conn.paused.has('steps'), true, 'paused at maxBatchesInFlight (3) steps pending');
  open();
  await until(() => !conn.paused.has('steps'), 'reading resumed once the broker confirmed');
  assert.equal(conn.ofType(FrameType.TABLE_END_ACK).length, 3);
});

test('a HELLO its source may not send (max_sessions_per_source) is ERR_BUSY before the controller is asked', () => {
  const conn = new FakeConnection();
  const controller = new FakeController();
  const asked: Array<string | undefined> = [];
  new ClientSession(
    conn,
    controller,
    { ...OPTIONS, quotas: new SessionQuotas(GENEROUS) },
    log,
    () => undefined,
    (resume) => {
      asked.push(resume);
      return 'your address has 8 sessions open on this gateway';
    },
  );
  conn.receive(hello(SESSION));
  assert.equal(conn.errorCode(), 'ERR_BUSY');
  assert.deepEqual(asked, [SESSION], 'asked with the session a resume names');
  assert.deepEqual(controller.opened, [], 'no controller round trip');
});

test('SESSION carries a fresh resume token; a resume forwards the token the client presents', async () => {
  const { conn, controller } = setup();
  conn.receive(hello());
  await until(() => conn.ofType(FrameType.SESSION).length === 1, 'SESSION');
  const { token } = parseJsonBody(conn.ofType(FrameType.SESSION)[0]) as { token: string };
  assert.match(token, /^[0-9a-f]{32}$/);
  assert.deepEqual(controller.requests, [{ resume: false, token }]);
  assert.equal(conn.dataFramesAllowed, true, 'large frames only once the session is open');
  const next = setup();
  next.conn.receive(encodeJsonFrame(FrameType.HELLO, { version: PROTOCOL_VERSION, resume: SESSION, token }));
  await until(() => next.conn.ofType(FrameType.SESSION).length === 1, 'SESSION on resume');
  assert.deepEqual(next.controller.requests, [{ resume: true, token }]);
});

test('with a client token configured, a HELLO without it (or with a wrong one) is ERR_AUTH', async () => {
  for (const auth of [undefined, 'wrong']) {
    const { conn, controller } = setup({ authToken: 's3cret' });
    conn.receive(encodeJsonFrame(FrameType.HELLO, { version: PROTOCOL_VERSION, auth }));
    assert.equal(conn.errorCode(), 'ERR_AUTH');
    assert.deepEqual(controller.opened, []);
  }
  const { conn } = setup({ authToken: 's3cret' });
  conn.receive(encodeJsonFrame(FrameType.HELLO, { version: PROTOCOL_VERSION, auth: 's3cret' }));
  await until(() => conn.ofType(FrameType.SESSION).length === 1, 'SESSION');
});

test('a batch with a transaction_id over 255 bytes or invalid UTF-8 is ERR_BATCH_MALFORMED at the gateway', async () => {
  const tx = (id: string | Buffer): Buffer[] =>
    encodeBatchFrame(TABLE_CODES.transactions, 0, encodeRawTransaction(typeof id === 'string' ? Buffer.from(id) : id));
  for (const bad of ['x'.repeat(256), Buffer.from([0x41, 0xff, 0x42]), '']) {
    const { conn, controller } = await opened();
    conn.receive(tx(bad));
    assert.equal(conn.errorCode(), 'ERR_BATCH_MALFORMED', String(bad));
    assert.equal(controller.forwarded.length, 0);
  }
  const { conn, controller } = await opened();
  conn.receive(tx('x'.repeat(255)));
  assert.equal(conn.errorCode(), undefined);
  assert.equal(controller.forwarded.length, 1);
});

test('a packed batch that leaves out the id of a transaction of 75.00 or more is ERR_BATCH_MALFORMED; leaving out the others is fine', async () => {
  const uuid = (i: number): string => `${i.toString(16).padStart(8, '0')}-0a0a-4b4b-8c8c-0d0d0d0d0d0d`;
  const rows = [100, 7500, 200].map((cents, i) => ({
    transactionId: uuid(i),
    storeId: 1,
    userId: 2,
    finalAmountCents: cents,
    createdAt: 1_704_067_200,
  }));
  const good = encodeRows('transactions', rows); // ids of rows 0 and 2 left out (text mode 2)
  // Row 1's presence bit cleared and its id dropped: the last byte of bits, then 16 bytes of id.
  const bits = good.length - 16 - 1;
  const forged = Buffer.from(good.subarray(0, bits + 1));
  forged[bits] &= ~(1 << 1);
  {
    const { conn, controller } = await opened();
    conn.receive(encodeBatchFrame(TABLE_CODES.transactions, 0, forged));
    assert.equal(conn.errorCode(), 'ERR_BATCH_MALFORMED');
    assert.equal(controller.forwarded.length, 0);
  }
  const { conn, controller } = await opened();
  conn.receive(encodeBatchFrame(TABLE_CODES.transactions, 0, good));
  assert.equal(conn.errorCode(), undefined);
  assert.equal(controller.forwarded.length, 1);
});

test('the connection waits on the client while results are unacked (its idle timeout applies), not while the system works', async () => {
  const { conn, controller } = await opened();
  assert.equal(conn.waitingOnClient(), false);
  const r = controller.results!.handler(resultMsg('r:q3.0.3'));
  assert.equal(conn.waitingOnClient(), true);
  conn.receive(encodeJsonFrame(FrameType.RESULT_ACK, { id: 'r:q3.0.3' }));
  await r;
  assert.equal(conn.waitingOnClient(), false);
});

/** A one-row transactions batch whose transaction_id bytes are exactly `id` (bypassing the client's checks). */
function encodeRawTransaction(id: Buffer): Buffer {
  const enc = new BatchEncoder('transactions');
  for (let c = 0; c < 4; c++) enc.setNum(c, 1);
  enc.setStringBytes(id, 0, id.length);
  enc.commitRow();
  return enc.finish();
}

const usersBatch = (seq: number, n: number): Buffer[] =>
  encodeBatchFrame(
    TABLE_CODES.users,
    seq,
    encodeRows(
      'users',
      Array.from({ length: n }, (_, i) => ({ userId: seq * 1000 + i, birthdate: '1990-01-01' })),
    ),
  );
const quotas = (limits: Partial<GatewayQuotaLimits>): SessionQuotas => new SessionQuotas({ ...GENEROUS, ...limits });

/** The client was told ERR_QUOTA naming `key`, the session's controller was asked to fail it, and it was not aborted as a protocol error. */
async function assertFailedOverQuota(conn: FakeConnection, controller: FakeController, key: string): Promise<void> {
  assert.equal(conn.errorCode(), 'ERR_QUOTA');
  assert.ok(conn.isClosed);
  const message = String(parseJsonBody(conn.ofType(FrameType.ERROR)[0]).message);
  assert.match(message, new RegExp(`gateway config quotas\\.${key}\\b`));
  assert.match(message, /Split the dataset/);
  await until(() => controller.faults.length === 1, 'the fault reported to the controller');
  assert.deepEqual(controller.faults[0], { session: SESSION, code: 'ERR_QUOTA', message });
  assert.deepEqual(controller.finished, [], 'failed by the controller (a resume is told why), not aborted');
}

test('an empty batch is refused (ERR_BATCH_MALFORMED): nothing is forwarded for it', async () => {
  const { conn, controller } = await opened();
  conn.receive(encodeBatchFrame(TABLE_CODES.stores, 0, encodeRows('stores', [])));
  assert.equal(conn.errorCode(), 'ERR_BATCH_MALFORMED');
  assert.match(String(parseJsonBody(conn.ofType(FrameType.ERROR)[0]).message), /stores batch 0 holds no rows/);
  assert.equal(controller.forwarded.length, 0);
});

test('rows over the session quota: ERR_QUOTA naming quotas.rows, the batch is not forwarded, the controller fails the session', async () => {
  const { conn, controller } = await opened({ quotas: quotas({ rows: 5 }) });
  conn.receive([...usersBatch(0, 3), ...usersBatch(1, 2)]);
  assert.equal(conn.errorCode(), undefined, 'exactly at the quota is within it');
  conn.receive(usersBatch(2, 1));
  await assertFailedOverQuota(conn, controller, 'rows');
  assert.deepEqual(
    controller.forwarded.map((f) => f.seq),
    [0, 1],
  );
});

test('bytes over the session quota: ERR_QUOTA naming quotas.bytes', async () => {
  const { conn, controller } = await opened({ quotas: quotas({ bytes: 64 }) });
  conn.receive(usersBatch(0, 50));
  await assertFailedOverQuota(conn, controller, 'bytes');
  assert.equal(controller.forwarded.length, 0);
});

test('batch sequence numbers at the per-table quota: ERR_QUOTA naming quotas.batches / quotas.reference_batches', async () => {
  {
    const { conn, controller } = await opened({ quotas: quotas({ referenceBatches: 2 }) });
    conn.receive([...usersBatch(0, 1), ...usersBatch(1, 1)]);
    assert.equal(conn.errorCode(), undefined);
    conn.receive(usersBatch(2, 1));
    await assertFailedOverQuota(conn, controller, 'reference_batches');
  }
  {
    // Sequence numbers are absolute per table: a high one is over the quota even as the first batch.
    const { conn, controller } = await opened({ quotas: quotas({ batches: 10 }) });
    conn.receive(
      encodeBatchFrame(
        TABLE_CODES.transaction_items,
        10,
        encodeRows('transaction_items', [{ itemId: 1, quantity: 1, subtotalCents: 1, createdAt: 1_704_067_200 }]),
      ),
    );
    await assertFailedOverQuota(conn, controller, 'batches');
  }
});

test('a TABLE_END announcing more batches than the quota: ERR_QUOTA', async () => {
  const { conn, controller } = await opened({ quotas: quotas({ batches: 10 }) });
  conn.receive(tableEnd('transactions', 11));
  await assertFailedOverQuota(conn, controller, 'batches');
  assert.equal(controller.tableEnds.length, 0);
});

test('rows per reference table over the quota: ERR_QUOTA naming quotas.reference_rows', async () => {
  const { conn, controller } = await opened({ quotas: quotas({ referenceRows: 4 }) });
  conn.receive([...usersBatch(0, 4), ...storesBatch(0)]); // each reference table has its own count
  assert.equal(conn.errorCode(), undefined);
  conn.receive(usersBatch(1, 1));
  await assertFailedOverQuota(conn, controller, 'reference_rows');
});

test("a session's counts survive a resume on the same gateway (the gateway's quotas are per session, not per connection)", async () => {
  const shared = quotas({ rows: 5 });
  const first = await opened({ quotas: shared });
  first.conn.receive(usersBatch(0, 4));
  first.controller.forwarded[0].confirm();
  await until(() => first.conn.ofType(FrameType.BATCH_ACK).length === 1, 'ack');
  first.conn.disconnect();
  const second = await opened({ quotas: shared });
  second.conn.receive(usersBatch(1, 2));
  await assertFailedOverQuota(second.conn, second.controller, 'rows');
});

test('KEEPALIVE goes to a client only while its session is open (not before SESSION, not after an ERROR)', async () => {
  const early = new FakeConnection();
  new ClientSession(early, new FakeController(), { ...OPTIONS, quotas: quotas({}) }, log, () => undefined).keepalive();
  assert.equal(early.ofType(FrameType.KEEPALIVE).length, 0, 'none before the session is open');
  const { conn, established, controller } = await opened();
  established[0].keepalive();
  established[0].keepalive();
  assert.equal(conn.ofType(FrameType.KEEPALIVE).length, 2);
  await controller.results!.handler({
    type: 'failed',
    id: `failed:${SESSION}`,
    session: SESSION,
    headers: {},
    body: Buffer.from(JSON.stringify({ code: 'ERR_SESSION_EXPIRED', message: 'expired' })),
    redelivered: false,
  });
  established[0].keepalive();
  assert.equal(conn.ofType(FrameType.KEEPALIVE).length, 2, 'nothing after the session ended');
});
