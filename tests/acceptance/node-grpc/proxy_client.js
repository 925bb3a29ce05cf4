'use strict';
// The RocketMQ 5 gRPC client for Node.js (rocketmq-client-nodejs, npm) through a proxy.
//
//   node proxy_client.js ENDPOINT TOPIC GROUP COUNT INTERVAL_MS TIMEOUT_SECONDS
//
// A simple consumer of GROUP starts first, then a producer sends COUNT messages "<run>-<i>" to
// TOPIC, one every INTERVAL_MS, while the consumer receives and acks until it has every one or
// the timeout passes. Prints "sent <i> <messageId>" per message, then "SENT n/COUNT" and
// "RECEIVED n/COUNT"; exit code 0 when every message arrived. Failed calls are retried here
// once a second (printing "... failed: ..."), the application's own policy.
const crypto = require('crypto');
const { Producer, SimpleConsumer } = require('rocketmq-client-nodejs');

const [endpoint, topic, group, countArg, intervalArg, timeoutArg] = process.argv.slice(2);
if (!endpoint || !topic || !group) {
  console.error('usage: node proxy_client.js ENDPOINT TOPIC GROUP COUNT INTERVAL_MS TIMEOUT_SECONDS');
  process.exit(2);
}
const count = Number(countArg || 5);
const intervalMs = Number(intervalArg || 0);
const deadline = Date.now() + 1000 * Number(timeoutArg || 120);
const run = crypto.randomBytes(4).toString('hex');
const received = new Set();
// The client's default logger writes under ~/logs; errors are all a test needs.
const logger = { info() {}, debug() {}, warn() {}, error: (...args) => console.error(...args) };
const common = { endpoints: endpoint, namespace: '', logger, requestTimeout: 5000 };

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function retry(what, call) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      console.log(`${what} attempt ${attempt} failed: ${err && err.message}`);
      if (Date.now() + 1000 > deadline) throw err;
      await sleep(1000);
    }
  }
}

(async () => {
  const consumer = new SimpleConsumer({
    ...common,
    consumerGroup: group,
    subscriptions: new Map().set(topic, '*'),
    awaitDuration: 5000,
  });
  await retry('simple consumer start', () => consumer.startup());
  let stop = false;
  const receiving = (async () => {
    while (!stop && Date.now() < deadline && received.size < count) {
      try {
        const messages = await consumer.receive(16, 15000);
        for (const message of messages) {
          const body = message.body.toString();
          if (body.startsWith(`${run}-`) && !received.has(body)) {
            received.add(body);
            console.log(`received ${body}`);
          }
          await consumer.ack(message);
        }
      } catch (err) {
        if (!stop) {
          console.log(`receive failed: ${err && err.message}`);
          await sleep(1000);
        }
      }
    }
  })();

  const producer = new Producer({ ...common, topic });
  await retry('producer start', () => producer.startup());
  let sent = 0;
  for (let i = 0; i < count && Date.now() < deadline; i++) {
    const body = `${run}-${i}`;
    const receipt = await retry(`send ${i}`, () => producer.send({
      topic,
      tag: 'proxy',
      keys: [ body ],
      body: Buffer.from(body),
    }));
    sent += 1;
    console.log(`sent ${i} ${receipt.messageId}`);
    if (intervalMs > 0) await sleep(intervalMs);
  }
  console.log(`SENT ${sent}/${count}`);

  while (received.size < count && Date.now() < deadline) await sleep(100);
  stop = true;
  console.log(`RECEIVED ${received.size}/${count}`);
  const code = sent === count && received.size === count ? 0 : 1;
  // Shutting down waits on the long poll in flight; the outcome is already known.
  const closing = [ producer.shutdown(), consumer.shutdown(), receiving ].map(p => p.catch(() => {}));
  await Promise.race([ Promise.all(closing), sleep(5000) ]);
  process.exit(code);
})().catch(err => {
  console.error('node gRPC client failed:', err);
  process.exit(1);
});
