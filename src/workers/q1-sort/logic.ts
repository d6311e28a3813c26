import type { Topology } from '../../node/middleware/topology.js';
import type { PartitionedLogic } from '../runtime/partitioned.js';
import { forEachQ1Row, Q1RowsWriter } from '../../protocol/payloads/q1-rows.js';
import { resultEmit } from '../runtime/results.js';

/** Result chunks stay well under the broker's sweet spot for message size. */
const CHUNK_BYTES = 256 * 1024;
/** Bytes of an id read into its sort key: 48 bits, exact in a double. */
const KEY_BYTES = 6;

export interface Q1State {
  chunks: Buffer[];
  /** Rows kept (the q1_rows quota). */
  rows: number;
}

/**
 * Q1 partition: keeps the rows of its transaction-id shard (as received, no per-row objects)
 * and on EOS emits them sorted by transaction id (UTF-8 byte order, then amount) in chunks;
 * the client merges the partitions' sorted runs.
 */
export function q1SortLogic(topology: Topology): PartitionedLogic<Q1State> {
  return {
    newState: () => ({ chunks: [], rows: 0 }),
    apply(state, msg) {
      if (msg.type !== 'q1-rows') return;
      let rows = 0;
      forEachQ1Row(msg.body, () => rows++); // validate (and count) before keeping
      state.chunks.push(msg.body);
      state.rows += rows;
    },
    usage: (state) => ({ keys: state.rows, referenceKeys: 0 }),
    finalize(state, { session, partition }) {
      const all = Buffer.concat(state.chunks);
      const starts: number[] = [];
      forEachQ1Row(all, (s) => starts.push(s));
      const idEnd = (s: number): number => s + all[s - 1];
      const order = Uint32Array.from(starts.keys());
      // Sorted on the ids' first 6 bytes as a number (a shorter id padded with 0, the smallest
      // byte, so the number orders like the bytes), the whole ids compared only on a tie: this
      // sort runs once the last input is in, so it is on the way to the report (issue 11).
      const keys = new Float64Array(starts.length);
      starts.forEach((s, i) => {
        const e = idEnd(s);
        let k = 0;
        for (let j = 0; j < KEY_BYTES; j++) k = k * 256 + (s + j < e ? all[s + j] : 0);
        keys[i] = k;
      });
      order.sort((a, b) => {
        const d = keys[a] - keys[b];
        if (d !== 0) return d;
        const sa = starts[a];
        const sb = starts[b];
        const c = all.compare(all, sb, idEnd(sb), sa, idEnd(sa));
        return c !== 0 ? c : all.readInt32LE(idEnd(sa)) - all.readInt32LE(idEnd(sb));
      });
      const emits = [];
      let w = new Q1RowsWriter();
      let k = 0;
      for (const i of order) {
        const s = starts[i];
        w.add(all, s, idEnd(s), all.readInt32LE(idEnd(s)));
        if (w.byteLength >= CHUNK_BYTES) {
          emits.push(resultEmit(topology, session, 'q1', partition, k++, w.finish()));
          w = new Q1RowsWriter();
        }
      }
      if (w.rows > 0 || k === 0) emits.push(resultEmit(topology, session, 'q1', partition, k++, w.finish()));
      return emits;
    },
  };
}
