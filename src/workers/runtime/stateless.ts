import type { InMessage } from '../../node/middleware/broker.js';
import type { BrokerPort } from '../../node/middleware/port.js';
import type { Topology } from '../../node/middleware/topology.js';
import type { WorkerKind } from '../../node/config/cluster.js';
import type { Logger } from '../../node/log.js';
import { CounterReporter } from '../../node/counters-reporter.js';
import { countByStage, type Emit } from './emit.js';
import { PoisonInputError } from '../../node/errors.js';
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
  const { broker, topology, stage } = opts;
  const reporter = new CounterReporter(broker, topology, stage, opts.nodeId);
  broker.consume(
    { queue: topology.stageQueue(stage), prefetch: opts.config.stateless.prefetch, concurrency: opts.config.stateless.concurrency },
    async (msg) => {
      let emits: Emit[];
      try {
        emits = opts.handler(msg);
      } catch (err) {
        // The gateway validates every batch, so an undecodable one was injected or corrupted.
        // Counted as consumed, it would leave the session's counts off; thrown, it is retried a
        // bounded number of times, dead-lettered, and its session failed with ERR_POISON_MESSAGE.
        throw new PoisonInputError(`undecodable ${msg.type} message ${msg.id}: ${(err as Error).message ?? String(err)}`);
      }
      await broker.publishAll(emits);
      await reporter.report(msg.session, msg.id, countByStage(emits));
    },
  );
}
