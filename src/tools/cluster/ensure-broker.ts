import { BrokerUnreachableError, redactUrl } from '../../node/errors.js';
import { Broker } from '../../node/middleware/broker.js';
import { clusterBrokerOptions } from '../../node/middleware/node-broker.js';
import { Topology } from '../../node/middleware/topology.js';
import { runDir, type ClusterConfig } from '../../node/config/cluster.js';
import { createLogger } from '../../node/log.js';
import { isLocalDefaultAddress, portAnswers, startLocalBroker, type LocalBroker, type PlanProbes } from './private-broker.js';

/**
 * Before `npm start` / `cluster` start any node: make sure a broker answers at the configured
 * address, starting a local one (private node or container, see private-broker.ts) when the
 * address is the local default and nothing listens there; then check that the cluster's queues
 * can be declared with the configured queue type (a mismatch fails here, in one clear line,
 * instead of in every node's log). Returns the broker it started, to stop with the cluster.
 */
export async function ensureBroker(
  config: Readonly<ClusterConfig>,
  say: (line: string) => void,
  probes?: PlanProbes,
): Promise<LocalBroker | undefined> {
  const log = createLogger('start', 'silent');
  const connect = (timeoutMs: number): Promise<Broker> =>
    Broker.connect(config.middleware.address, log, `${config.name}-preflight`, { ...clusterBrokerOptions(config), timeoutMs });
  let started: LocalBroker | undefined;
  let broker: Broker;
  try {
    // One connection both probes the broker and declares the queues (one handshake fewer on every start).
    broker = await connect(5000);
  } catch (err) {
    const local = isLocalDefaultAddress(config.middleware.address);
    // Something listening but not answering AMQP is not ours to replace.
    if (!(err instanceof BrokerUnreachableError) || !local || (await portAnswers(local.port))) throw err;
    say(`nothing answers at ${redactUrl(config.middleware.address)}: starting a local RabbitMQ…`);
    started = await startLocalBroker({ runDir: runDir(config), port: local.port, probes });
    say(started.description);
    try {
      broker = await connect(10_000);
    } catch (e) {
      await started.stop();
      throw e;
    }
  }
  try {
    await broker.declareQueues(new Topology(config).allSharedQueues());
  } catch (err) {
    await broker.close();
    await started?.stop();
    throw err;
  }
  await broker.close();
  return started;
}
