// kafkajs 2.2.4 round trip against a meshd Kafka listener: admin
// createTopics, idempotent producer (acks -1), consumer group run; prints one
// JSON line with the result. Usage: node kafkajs_roundtrip.js HOST:PORT TOPIC N
'use strict';
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [broker, topic, nStr] = process.argv.slice(2);
  const n = parseInt(nStr || '100', 10);
  const kafka = new Kafka({ clientId: 'meshd-e2e-kafkajs', brokers: [broker], logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  await admin.disconnect();

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const sent = [];
  for (let i = 0; i < n; i += 10) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + 10); j++) {
      messages.push({ key: `k${j}`, value: JSON.stringify({ i: j }), headers: { ce_type: 'test' } });
      sent.push(j);
    }
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}-group`, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = new Set();
  let headersOk = true;
  const done = new Promise((resolve) => {
    consumer.run({
      eachMessage: async ({ message }) => {
        got.add(JSON.parse(message.value.toString()).i);
        if (!message.headers.ce_type || message.headers.ce_type.toString() !== 'test') headersOk = false;
        if (got.size >= n) resolve();
      },
    });
  });
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: got ${got.size}/${n}`)), 60000));
  await Promise.race([done, timeout]);
  await consumer.disconnect();
  console.log(JSON.stringify({ sent: sent.length, received: got.size, headersOk }));
}

main().then(() => process.exit(0)).catch((e) => { console.error(e); process.exit(1); });
