import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runClient } from './client.js';
import { GatewayMock } from '../testing/gateway-mock.js';
import { freePortBlock } from '../testing/ports.js';
import { Q1RowsWriter } from '../protocol/payloads/q1-rows.js';
import { REPORT_FILES } from '../queries/report-format.js';

/** A tiny dataset with `txRows` transactions, one bad row, and the other tables. */
function tinyDataset(txRows: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'coffee-client-'));
  const put = (table: string, content: string): void => {
    mkdirSync(path.join(dir, table), { recursive: true });
    writeFileSync(path.join(dir, table, `${table}.csv`), content);
  };
  put('stores', 'store_id,store_name,street,postal_code,city,state,latitude,longitude\n1,"G Coffee, ""One""",s,1,c,st,0,0\n');
  put('menu_items', 'item_id,item_name,category,price,is_seasonal,available_from,available_to\n1,Latte,coffee,10.0,False,,\n');
  put('users', 'user_id,gender,birthdate,registered_at\n7,female,1990-01-01,2023-07-01 10:00:00\n');
  let tx = 'transaction_id,store_id,payment_method_id,voucher_id,user_id,original_amount,discount_applied,final_amount,created_at\r\n';
  for (let i = 0; i < txRows; i++) tx += `t${String(i).padStart(6, '0')},1,1,,7.0,80.0,0.0,80.0,2024-03-0${1 + (i % 9)} 10:00:00\r\n`;
  tx += 'bad,1,1,,7.0,abc,0.0,abc,2024-03-01 10:00:00\r\n';
  put('transactions', tx);
  put('transaction_items', 'transaction_id,item_id,quantity,unit_price,subtotal,created_at\nt000000,1,2,10.0,20.0,2024-03-01 10:00:00\n');
  return dir;
}

/** The four reports' result messages of `tinyDataset` (one partition each). */
function tinyResults(): NonNullable<ConstructorParameters<typeof GatewayMock>[0]>['results'] {
  const w = new Q1RowsWriter();
  const id = Buffer.from('t000001');
  w.add(id, 0, id.length, 8000);
  return [
    { meta: { id: 'r:q1.0.0', q: 'q1', p: 0, k: 0 }, payload: w.finish() },
    { meta: { id: 'r:q2.0.0', q: 'q2', p: 0, k: 0 }, payload: Buffer.from(JSON.stringify([['2024-03', 'Latte', 2, 'Latte', 2000]])) },
    { meta: { id: 'r:q3.0.0', q: 'q3', p: 0, k: 0 }, payload: Buffer.from('[]') },
    { meta: { id: 'r:q4.0.0', q: 'q4', p: 0, k: 0 }, payload: Buffer.from('[]') },
  ];
}

/** The Q1 report of `tinyResults()`. */
const TINY_Q1_REPORT = 'transaction_id,final_amount\nt000001,80.00\n';

type ClientTestOptions = Partial<Parameters<typeof runClient>[0]>;

/**
 * One client run on `tinyDataset(10)` against a mock serving `tinyResults()`: the run's summary
 * (or its failure) and what the mock saw. The mock is closed afterwards.
 */
async function runOnMock(
  mockOptions: Omit<NonNullable<ConstructorParameters<typeof GatewayMock>[0]>, 'results'>,
  /** Client options, or a function of the mock giving them (to act on the mock during the run). */
  clientOptions: ClientTestOptions | ((mock: GatewayMock) => ClientTestOptions) = {},
): Promise<{ mock: GatewayMock; summary: Awaited<ReturnType<typeof runClient>>; out: string }> {
  const mock = new GatewayMock({ results: tinyResults(), ...mockOptions });
  const address = await mock.listen();
  const out = mkdtempSync(path.join(os.tmpdir(), 'o-'));
  const extra = typeof clientOptions === 'function' ? clientOptions(mock) : clientOptions;
  try {
    const summary = await runClient({ data: tinyDataset(10), out, gateways: [address], progress: false, ...extra });
    return { mock, summary, out };
  } finally {
    await mock.close();
  }
}

test('client: streams every table with contiguous sequence numbers, writes the reports it receives and the rejects', async () => {
  const mock = new GatewayMock({ results: tinyResults() });
  const address = await mock.listen();
  const data = tinyDataset(20_000);
  const out = mkdtempSync(path.join(os.tmpdir(), 'coffee-client-out-'));
  try {
    const summary = await runClient({ data, out, gateways: [address], progress: false, maxBatchBytes: 16 * 1024, window: 4 });
    assert.equal(summary.rows.transactions, 20_000);
    assert.equal(summary.rejected, 1);
    const seqs = [...mock.batches.get(summary.session)!.get('transactions')!.keys()].sort((a, b) => a - b);
    assert.ok(seqs.length > 10, 'many small batches');
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i),
      'contiguous from 0',
    );
    assert.equal(mock.ended.get(summary.session)!.get('transactions'), seqs.length);
    assert.equal(readFileSync(path.join(out, REPORT_FILES.q1), 'utf8'), TINY_Q1_REPORT);
    assert.equal(
      readFileSync(path.join(out, REPORT_FILES.q2BestSelling), 'utf8'),
      'year_month_created_at,item_name,sellings_qty\n2024-03,Latte,2\n',
    );
    assert.match(readFileSync(summary.rejectsFile!, 'utf8'), /transactions\/transactions\.csv,20002,/);
    assert.ok(mock.delivered.has(summary.session));
    assert.ok(!existsSync(path.join(out, 'rejected_rows.csv.tmp')));
  } finally {
    await mock.close();
  }
});

test('client: a dropped connection is resumed with the same session and every batch arrives', async () => {
  const mock = new GatewayMock({ dropAfterBatches: 5 });
  const address = await mock.listen();
  const data = tinyDataset(20_000);
  const out = mkdtempSync(path.join(os.tmpdir(), 'coffee-client-out-'));
  try {
    const summary = await runClient({ data, out, gateways: [address], progress: false, maxBatchBytes: 16 * 1024, window: 4 });
    assert.equal(summary.reconnects, 1);
    assert.equal(mock.hellos.length, 2);
    assert.equal(mock.hellos[1].resume, summary.session);
    const got = mock.batches.get(summary.session)!.get('transactions')!;
    const rows = [...got.values()].reduce((a, b) => a + b, 0);
    assert.equal(rows, 20_000, 'every row arrived exactly once per sequence number');
  } finally {
    await mock.close();
  }
});

test('client: busy answers are retried, then give a clear error when they last', async () => {
  const mock = new GatewayMock({ busyHellos: 2 });
  const address = await mock.listen();
  const data = tinyDataset(10);
  try {
    const notices: string[] = [];
    const summary = await runClient({
      data,
      out: mkdtempSync(path.join(os.tmpdir(), 'o-')),
      gateways: [address],
      progress: false,
      onNotice: (l) => notices.push(l),
    });
    assert.ok(summary.session);
    assert.equal(notices.filter((n) => n.includes('busy')).length, 2);
  } finally {
    await mock.close();
  }
  const always = new GatewayMock({ busyHellos: 1000 });
  const a2 = await always.listen();
  try {
    await assert.rejects(
      runClient({ data, out: mkdtempSync(path.join(os.tmpdir(), 'o-')), gateways: [a2], progress: false, retryForMs: 300 }),
      (err: Error & { code?: string }) => err.code === 'ERR_BUSY' && /retry later/.test(err.message),
    );
  } finally {
    await always.close();
  }
});

test('client: a gateway that starts listening late is connected to at once, not after a back-off', async () => {
  // Nothing listens on the port for 1.7 s (a cluster still booting). With the back-off alone
  // (attempts ~0, 0.2, 0.6, 1.4, 3.0 s after the first) the client would connect ~1.3 s after the
  // listen; refused connections are retried every 50 ms, so it connects within a second of it.
  const port = await freePortBlock(1);
  const mock = new GatewayMock({
    results: [
      { meta: { id: 'r:q1.0.0', q: 'q1', p: 0, k: 0 }, payload: new Q1RowsWriter().finish() },
      ...['q2', 'q3', 'q4'].map((q) => ({ meta: { id: `r:${q}.0.0`, q, p: 0, k: 0 }, payload: Buffer.from('[]') })),
    ],
  });
  let listeningAt = 0;
  let connectedAt = 0;
  const late = setTimeout(() => void mock.listen(port).then(() => (listeningAt = Date.now())), 1700);
  try {
    await runClient({
      data: tinyDataset(10),
      out: mkdtempSync(path.join(os.tmpdir(), 'o-')),
      gateways: [`127.0.0.1:${port}`],
      progress: false,
      htmlReport: false,
      onEvent: (e) => {
        if (e.type === 'connected' && connectedAt === 0) connectedAt = Date.now();
      },
    });
    assert.ok(listeningAt > 0 && connectedAt >= listeningAt, 'connected after the gateway started listening');
    assert.ok(connectedAt - listeningAt < 1000, `connected ${connectedAt - listeningAt} ms after the listen`);
  } finally {
    clearTimeout(late);
    await mock.close();
  }
});

test('client: no reachable gateway is a one-line error naming the gateways', async () => {
  const data = tinyDataset(10);
  await assert.rejects(
    runClient({ data, out: mkdtempSync(path.join(os.tmpdir(), 'o-')), gateways: ['127.0.0.1:1'], progress: false, retryForMs: 200 }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_NO_GATEWAY');
      assert.match(err.message, /127\.0\.0\.1:1/);
      return true;
    },
  );
});

test('client: a resumed session re-sends exactly the un-acked window, in order, and nothing acked', async () => {
  // First connection: 6 batches acked, then the next 4 (a full window) never are, and it drops.
  const mock = new GatewayMock({ stallAfterBatches: { acked: 6, unacked: 4 } });
  const address = await mock.listen();
  const data = tinyDataset(20_000);
  const out = mkdtempSync(path.join(os.tmpdir(), 'coffee-client-out-'));
  try {
    const acked: Array<[string, number]> = [];
    const summary = await runClient({
      data,
      out,
      gateways: [address],
      progress: false,
      maxBatchBytes: 16 * 1024,
      window: 4,
      onEvent: (e) => void (e.type === 'batch-acked' && acked.push([e.table, e.seq])),
    });
    assert.equal(summary.reconnects, 1);
    const [first, second] = mock.connections;
    assert.deepEqual(first.slice(0, 3), [
      ['stores', 0],
      ['menu_items', 0],
      ['users', 0],
    ]);
    assert.equal(first.length, 10, 'the client stopped at a full window');
    const unacked = first.slice(6);
    assert.deepEqual(
      unacked,
      [3, 4, 5, 6].map((seq) => ['transactions', seq]),
    );
    assert.deepEqual(second.slice(0, 4), unacked, 'the un-acked window first, in order');
    assert.deepEqual(second[4], ['transactions', 7], 'then the upload goes on');
    for (const batch of first.slice(0, 6))
      assert.ok(!second.some(([t, s]) => t === batch[0] && s === batch[1]), `acked ${batch.join(':')} not re-sent`);
    assert.deepEqual(acked.slice(0, 6), first.slice(0, 6), 'acks are reported by table name');
    const rows = [...mock.batches.get(summary.session)!.get('transactions')!.values()].reduce((a, b) => a + b, 0);
    assert.equal(rows, 20_000);
  } finally {
    await mock.close();
  }
});

test(
  'client: a gateway gone silent after the upload fails the run with ERR_CLIENT_TIMEOUT naming what it waited for',
  { timeout: 20_000 },
  async () => {
    const mock = new GatewayMock({ holdResults: {} });
    const address = await mock.listen();
    const data = tinyDataset(10);
    try {
      const started = performance.now();
      await assert.rejects(
        runClient({ data, out: mkdtempSync(path.join(os.tmpdir(), 'o-')), gateways: [address], progress: false, idleTimeoutMs: 400 }),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERR_CLIENT_TIMEOUT');
          assert.match(err.message, /nothing arrived from any gateway for 0.4 s while waiting for the reports from 127\.0\.0\.1:\d+/);
          assert.match(err.message, /0 result message\(s\) received, COMPLETE not yet received/);
          assert.match(err.message, /--idle-timeout/);
          return true;
        },
      );
      const ms = performance.now() - started;
      assert.ok(ms < 5000, `failed after ${Math.round(ms)} ms, not about the 400 ms timeout`);
    } finally {
      await mock.close();
    }
  },
);

test('client: a gateway that never answers HELLO fails the run with ERR_CLIENT_TIMEOUT', { timeout: 20_000 }, async () => {
  const mock = new GatewayMock({ silentHello: true });
  const address = await mock.listen();
  try {
    await assert.rejects(
      runClient({
        data: tinyDataset(10),
        out: mkdtempSync(path.join(os.tmpdir(), 'o-')),
        gateways: [address],
        progress: false,
        idleTimeoutMs: 300,
      }),
      (err: Error & { code?: string }) =>
        err.code === 'ERR_CLIENT_TIMEOUT' && /the answer to HELLO from 127\.0\.0\.1:\d+/.test(err.message),
    );
  } finally {
    await mock.close();
  }
});

test('client: a long wait for the reports with KEEPALIVEs is not a timeout (an honest big session)', { timeout: 20_000 }, async () => {
  // Results come after 5 × the timeout; KEEPALIVE every quarter of it meanwhile.
  const mock = new GatewayMock({ holdResults: { ms: 2000, keepaliveMs: 100 } });
  const address = await mock.listen();
  try {
    const summary = await runClient({
      data: tinyDataset(10),
      out: mkdtempSync(path.join(os.tmpdir(), 'o-')),
      gateways: [address],
      progress: false,
      idleTimeoutMs: 400,
    });
    assert.ok(mock.delivered.has(summary.session), 'the run completed');
    assert.ok(summary.seconds >= 2, 'it did wait for the held results');
  } finally {
    await mock.close();
  }
});

test('client: a result and COMPLETE arriving again while the reports are written get one DONE, not two', async () => {
  // The real gateway answers a second DONE on a connection with ERR_FRAME_UNEXPECTED; BYE comes
  // only after it told its controller, so a second DONE sent meanwhile would reach it.
  const { mock, summary } = await runOnMock({ repeatAfterComplete: true, byeDelayMs: 300 });
  assert.ok(mock.delivered.has(summary.session));
  assert.deepEqual(mock.dones, [1], 'one connection, one DONE');
});

test('client: the connection lost after DONE, before BYE: the session is resumed and DONE said again, so the cluster can clean up', async () => {
  const { mock, summary, out } = await runOnMock({ onFirstDone: 'drop' });
  assert.equal(summary.reconnects, 1);
  assert.deepEqual(mock.hellos.at(-1)?.resume, summary.session, 'the second HELLO resumed the session');
  assert.deepEqual(mock.dones, [1, 1], 'DONE on the lost connection, and again on the resumed one');
  assert.ok(mock.delivered.has(summary.session));
  assert.equal(readFileSync(path.join(out, REPORT_FILES.q1), 'utf8'), TINY_Q1_REPORT);
});

test('client: lost after DONE and no gateway to resume on: the run still succeeds (reports written), with a notice', async () => {
  const notices: string[] = [];
  const { mock, summary, out } = await runOnMock({ onFirstDone: 'drop' }, (m) => ({
    onNotice: (n: string): void => {
      notices.push(n);
      // The gateway is gone for good: nothing listens any more.
      if (/connection lost/.test(n)) void m.close();
    },
    retryForMs: 500,
  }));
  assert.equal(mock.delivered.size, 0);
  assert.ok(
    notices.some((n) => n.includes(`no gateway confirmed the end of session ${summary.session}`)),
    notices.join('\n'),
  );
  assert.equal(readFileSync(path.join(out, REPORT_FILES.q1), 'utf8'), TINY_Q1_REPORT);
});

test(
  'client: a gateway that hangs after DONE (no BYE, connection open) is left after --idle-timeout: DONE again elsewhere, the run succeeds',
  { timeout: 20_000 },
  async () => {
    const { mock, summary, out } = await runOnMock({ onFirstDone: 'hang' }, { idleTimeoutMs: 300 });
    assert.equal(summary.reconnects, 1);
    assert.deepEqual(mock.dones, [1, 1], 'DONE on the hung connection, and again on the resumed one');
    assert.ok(mock.delivered.has(summary.session));
    assert.equal(readFileSync(path.join(out, REPORT_FILES.q1), 'utf8'), TINY_Q1_REPORT);
  },
);

test(
  'client: COMPLETE read in the same chunk as the resumed SESSION still gets DONE on the new connection',
  { timeout: 20_000 },
  async () => {
    const { mock, summary } = await runOnMock({ onFirstDone: 'drop', oneWriteOnResume: true }, { idleTimeoutMs: 5000 });
    assert.equal(summary.reconnects, 1, 'no second resume: DONE went out on the first resumed connection');
    assert.deepEqual(mock.dones, [1, 1]);
    assert.ok(mock.delivered.has(summary.session));
  },
);

/** Runs `run` with readers 1, then 2, each against a fresh mock and into a fresh output folder; returns both outcomes. */
async function withReaders<T>(run: (readers: 1 | 2, gateway: string, out: string, mock: GatewayMock) => Promise<T>): Promise<[T, T]> {
  const outcomes: T[] = [];
  for (const readers of [1, 2] as const) {
    const mock = new GatewayMock({ results: tinyResults() });
    const address = await mock.listen();
    try {
      outcomes.push(await run(readers, address, mkdtempSync(path.join(os.tmpdir(), `coffee-readers-${readers}-`)), mock));
    } finally {
      await mock.close();
    }
  }
  return [outcomes[0], outcomes[1]];
}

test('client: readers 2 reads the largest table in a reader process: the same batches, rows and rejects file as readers 1', async () => {
  const data = tinyDataset(30_000);
  // A bad row in a smaller table too, so the rejects file joins tables read by both processes.
  writeFileSync(
    path.join(data, 'transaction_items', 'transaction_items.csv'),
    'transaction_id,item_id,quantity,unit_price,subtotal,created_at\nt000000,1,2,10.0,20.0,2024-03-01 10:00:00\nt000001,x,2,10.0,20.0,2024-03-01 10:00:00\n',
  );
  const runs = await withReaders(async (readers, gateway, out, mock) => {
    const summary = await runClient({ data, out, gateways: [gateway], progress: false, maxBatchBytes: 16 * 1024, window: 3, readers });
    return { summary, batches: mock.batches.get(summary.session)!, ended: mock.ended.get(summary.session)!, out };
  });
  const [one, two] = runs;
  assert.equal(one.summary.readerResources, null);
  assert.ok(two.summary.readerResources !== null && two.summary.readerResources.cpuSeconds > 0, 'the reader process reports its CPU');
  assert.deepEqual(two.summary.rows, one.summary.rows);
  assert.equal(two.summary.inputBytes, one.summary.inputBytes);
  assert.ok(one.batches.get('transactions')!.size > 10, 'many batches of the largest table');
  for (const table of ['stores', 'menu_items', 'users', 'transactions', 'transaction_items'])
    assert.deepEqual(
      [...two.batches.get(table)!].sort((a, b) => a[0] - b[0]),
      [...one.batches.get(table)!].sort((a, b) => a[0] - b[0]),
      table,
    );
  assert.deepEqual(two.ended, one.ended);
  assert.equal(two.summary.rejected, 2);
  const rejects = (r: (typeof runs)[number]): string => readFileSync(r.summary.rejectsFile!, 'utf8');
  assert.equal(rejects(two), rejects(one));
  assert.match(
    rejects(two),
    /^file,line,reason\ntransactions\/transactions\.csv,30002,[^\n]+\ntransaction_items\/transaction_items\.csv,3,/,
  );
  for (const r of runs) assert.equal(readFileSync(path.join(r.out, 'q1_transactions.csv'), 'utf8'), TINY_Q1_REPORT);
});

test('client: readers 2 splits a table of several files: the client reads the earlier ones, a reader process the rest; same batches and rejects', async () => {
  const data = tinyDataset(10);
  const dir = path.join(data, 'transactions');
  const header = readFileSync(path.join(dir, 'transactions.csv'), 'utf8').split('\r\n')[0];
  rmSync(path.join(dir, 'transactions.csv'));
  for (let f = 0; f < 4; f++) {
    let text = `${header}\n`;
    for (let i = 0; i < 5000; i++) text += `f${f}-${String(i).padStart(6, '0')},1,1,,7.0,80.0,0.0,80.0,2024-03-0${1 + (i % 9)} 10:00:00\n`;
    if (f === 0 || f === 3) text += `bad${f},1,1,,7.0,abc,0.0,abc,2024-03-01 10:00:00\n`;
    writeFileSync(path.join(dir, `transactions_${f}.csv`), text);
  }
  const runs = await withReaders(async (readers, gateway, out, mock) => {
    const summary = await runClient({ data, out, gateways: [gateway], progress: false, maxBatchBytes: 16 * 1024, window: 3, readers });
    return { summary, batches: mock.batches.get(summary.session)! };
  });
  const [one, two] = runs;
  assert.ok(two.summary.readerResources !== null);
  assert.deepEqual(two.summary.rows, one.summary.rows);
  assert.equal(two.summary.rows.transactions, 20_000);
  // Batches of the two sources arrive interleaved: the same rows under contiguous sequence numbers.
  const seqs = [...two.batches.get('transactions')!.keys()].sort((a, b) => a - b);
  assert.deepEqual(seqs, [...seqs.keys()]);
  const total = (m: Map<number, number>): number => [...m.values()].reduce((a, n) => a + n, 0);
  assert.equal(total(two.batches.get('transactions')!), total(one.batches.get('transactions')!));
  const rejects = (r: (typeof runs)[number]): string => readFileSync(r.summary.rejectsFile!, 'utf8');
  assert.equal(rejects(two), rejects(one));
  assert.match(rejects(two), /^file,line,reason\ntransactions\/transactions_0\.csv,5002,[^\n]+\ntransactions\/transactions_3\.csv,5002,/);
});

test('client: readers auto (the default) reads a small dataset in one process', async () => {
  const { summary } = await runOnMock({});
  assert.equal(summary.readerResources, null);
});

test('client: an error in the reader process fails the run with the same error as one reader would', async () => {
  const data = tinyDataset(100);
  // An unterminated quote: the record runs past --max-record-kb.
  writeFileSync(
    path.join(data, 'transactions', 'transactions.csv'),
    `${readFileSync(path.join(data, 'transactions', 'transactions.csv'), 'utf8')}"open,1\n${'x'.repeat(5000)}\n`,
  );
  const failures = await withReaders(async (readers, gateway, out) => {
    let failure: { code?: string; message: string } | undefined;
    await assert.rejects(
      runClient({ data, out, gateways: [gateway], progress: false, maxRecordBytes: 1024, readers }),
      (err: Error & { code?: string }) => {
        failure = { code: err.code, message: err.message };
        return true;
      },
    );
    assert.deepEqual(
      readdirSync(out).filter((f) => f.endsWith('.part')),
      [],
      'no part file left behind',
    );
    return failure!;
  });
  assert.equal(failures[0].code, 'ERR_RECORD_TOO_LARGE');
  assert.match(failures[0].message, /^transactions\/transactions\.csv: the record at line 103 /);
  assert.deepEqual(failures[1], failures[0]);
});
