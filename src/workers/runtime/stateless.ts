import type { InMessage } from '../../node/middleware/broker.js';
import type { BrokerPort } from '../../node/middleware/port.js';
import type { Topology } from '../../node/middleware/topology.js';
import type { WorkerKind } from '../../node/config/cluster.js';
import type { Logger } from '../../node/log.js';
import { CounterReporter } from '../../node/counters-reporter.js';
import { countByStage, type Emit } from './emit.js';
import type { WorkerConfig } from './config.js';

/** Turns one input message into the messages it causes downstream (pure, deterministic). */
export type StatelessHandler = (msg: InMessage) => Emit[];

/**
 * A stateless stage: replicas compete on one queue. Per message: compute outputs, publish
 * them (confirmed), report the counts to the session's controller (confirmed), then ack.
 * A crash anywhere before the ack redelivers the message; its outputs carry the same ids,
 * so downstream de-duplication absorbs the repeat.
 */
export function runStateless(opts: {
  stage: WorkerKind;
  nodeId: string;
  broker: BrokerPort;
  topology: Topology;
  config: WorkerConfig;
  log: Logger;
  handler: StatelessHandler;
}): void {
  const { broker, topology, stage, log } = opts;
  const reporter = new CounterReporter(broker, topology, stage, opts.nodeId);
  broker.consume(
    { queue: topology.stageQueue(stage), prefetch: opts.config.stateless.prefetch, concurrency: opts.config.stateless.concurrency },
    async (msg) => {
      let emits: Emit[];
      try {
        emits = opts.handler(msg);
      } catch (err) {
        // A payload that cannot be decoded must not poison the queue: count it as consumed.
        log.error({ err: String(err), id: msg.id, session: msg.session }, 'dropping undecodable message');
        emits = [];
      }
      await broker.publishAll(emits);
      await reporter.report(msg.session, msg.id, countByStage(emits));
    },
  );
}
