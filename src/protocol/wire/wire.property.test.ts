import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameDecoder, FrameType, encodeFrame } from './frames.js';
import { CoffeeError } from '../../node/errors.js';
import { decodeBatch } from '../../dataset/batch-codec.js';
import { validateBatchValues } from '../../dataset/batch-validate.js';
import { CsvParser } from '../../dataset/csv/parser.js';

/**
 * Property tests of everything a peer's bytes reach first: any input gives a value or a typed
 * error (a CoffeeError), never another throw, a hang or memory beyond the configured caps.
 * Input sizes are bounded and numRuns kept small enough for CI.
 */
const RUNS = { numRuns: 300 };
const LIMITS = { maxFrameBytes: 64 * 1024, maxControlBytes: 1024 };

function typedOrValue(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof CoffeeError, `threw a ${err instanceof Error ? err.name : typeof err}: ${String(err)}`);
  }
}

/** Splits bytes into chunks at the given cut points, as a socket might deliver them. */
function chunks(bytes: Uint8Array, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(Buffer.from(bytes.subarray(prev, c)));
    prev = c;
  }
  return out;
}

test('frame decoder: any byte sequence, cut anywhere, gives frames or a typed error, and stays within its cap', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (bytes, cuts, allowData) => {
      const d = new FrameDecoder(LIMITS);
      d.dataFramesAllowed = allowData;
      typedOrValue(() => {
        for (const c of chunks(bytes, cuts)) d.push(c);
      });
      assert.ok(d.bufferCapacity <= 64 * 1024 + LIMITS.maxFrameBytes + 4096 + 4);
    }),
    RUNS,
  );
});

test('frame decoder: valid frames with random bodies, cut anywhere, come back whole and in order', () => {
  const types = Object.values(FrameType);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(...types), fc.uint8Array({ maxLength: 1000 })), { maxLength: 10 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (frames, cuts) => {
        const wire = Buffer.concat(frames.map(([t, b]) => encodeFrame(t, Buffer.from(b))));
        const d = new FrameDecoder(LIMITS);
        const got = chunks(wire, cuts).flatMap((c) => d.push(c));
        assert.deepEqual(
          got.map((f) => [f.type, [...f.body]]),
          frames.map(([t, b]) => [t, [...b]]),
        );
      },
    ),
    RUNS,
  );
});

test('batch codec and gateway validation: any payload decodes or throws a typed error', () => {
  // Random bytes, and random bytes behind a plausible header (so the column code is reached).
  const header = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 64 })).map(([code, rows]) => {
    const h = Buffer.alloc(8);
    h[0] = 0xcb;
    h[1] = 1;
    h[2] = code;
    h.writeUInt32LE(rows, 4);
    return h;
  });
  fc.assert(
    fc.property(fc.option(header), fc.uint8Array({ maxLength: 2048 }), (head, rest) => {
      const payload = head ? Buffer.concat([head, Buffer.from(rest)]) : Buffer.from(rest);
      typedOrValue(() => {
        const b = decodeBatch(payload);
        const problem = validateBatchValues(b);
        assert.ok(problem === null || typeof problem === 'string');
      });
    }),
    RUNS,
  );
});

test('CSV parser: any bytes, cut anywhere, give records or a typed error; records never exceed the cap', () => {
  const csvish = fc.array(fc.constantFrom(0x2c, 0x22, 0x0a, 0x0d, 0x61, 0x31, 0xc3, 0xa9, 0xef, 0xbb, 0xbf), { maxLength: 3000 });
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 3000 }),
        csvish.map((a) => Uint8Array.from(a)),
      ),
      fc.array(fc.nat(), { maxLength: 8 }),
      (bytes, cuts) => {
        const p = new CsvParser(512);
        let records = 0;
        typedOrValue(() => {
          for (const c of chunks(bytes, cuts)) {
            p.feed(c);
            while (p.next()) {
              records++;
              assert.ok(p.record.byteEnd - p.record.byteStart <= 512);
            }
          }
          p.end();
          while (p.next()) records++;
        });
        // Every record consumes at least one byte: the parser cannot loop without progress.
        assert.ok(records <= bytes.length + 1);
      },
    ),
    RUNS,
  );
});
