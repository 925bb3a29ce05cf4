'use strict';
// ali-ons (npm), the pure-JavaScript RocketMQ client, against the name server given.
//
//   node ons.js NAMESRV TOPIC COUNT TIMEOUT_SECONDS
//
// A push consumer starts first (a new group starts at the queue's last offset), then a
// producer sends one message every 300 ms, each carrying this run's id, until the consumer
// has received COUNT of them or the timeout passes. Both roles find the broker only through
// the name server's topic route. Exit code 0 when enough of this run's messages arrived.
const crypto = require('crypto');
const { Consumer, Producer, Message } = require('ali-ons');

const [namesrv, topic, countArg, timeoutArg] = process.argv.slice(2);
if (!namesrv || !topic) {
  console.error('usage: node ons.js NAMESRV TOPIC COUNT TIMEOUT_SECONDS');
  process.exit(2);
}
const count = Number(countArg || 5);
const deadline = Date.now() + 1000 * Number(timeoutArg || 120);
const runId = crypto.randomBytes(8).toString('hex');
const received = new Set();

// The client insists on an HTTP client for the Aliyun address server; with `nameSrv`
// given it is never called, so one that fails loudly is enough.
const httpclient = { request: async () => { throw new Error('address server not used'); } };
const common = { httpclient, nameSrv: [ namesrv ], logger: console };
const quietLogger = { info() {}, warn() {}, debug() {}, error: console.error };
common.logger = quietLogger;

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

(async () => {
  const consumer = new Consumer({ ...common, consumerGroup: `interop_ons_${runId}` });
  consumer.on('error', err => console.error('consumer error:', err.message));
  consumer.subscribe(topic, '*', async msg => {
    const body = msg.body.toString();
    if (body.startsWith(runId)) received.add(body);
  });
  await consumer.ready();

  const producer = new Producer({ ...common, producerGroup: `interop_ons_${runId}_p` });
  producer.on('error', err => console.error('producer error:', err.message));
  await producer.ready();

  let sent = 0;
  let ok = 0;
  let lastError = null;
  while (Date.now() < deadline && received.size < count) {
    const msg = new Message(topic, 'ons', `${runId}-${sent}`);
    sent += 1;
    try {
      const result = await producer.send(msg);
      if (result.sendStatus === 'SEND_OK') ok += 1;
    } catch (err) {
      lastError = err.message;
    }
    await sleep(300);
  }
  console.log(`sent=${sent} sent_ok=${ok} received=${received.size} last_error=${lastError}`);
  const code = received.size >= count ? 0 : 1;
  // Closing races the client's own socket teardown; its errors do not change the outcome.
  const closing = [ producer.close(), consumer.close() ].map(p => p.catch(() => {}));
  await Promise.race([ Promise.all(closing), sleep(5000) ]);
  process.exit(code);
})().catch(err => {
  console.error('ali-ons interop failed:', err);
  process.exit(1);
});
