// End to end with the npm client @confluentinc/schemaregistry (1.10.x):
// register an Avro schema, serialize with AvroSerializer, deserialize with
// AvroDeserializer through meshd's registry, and get a 409 for an
// incompatible version. The package is resolved from NODE_PATH or
// tests/e2e/node/node_modules (installed by the test setup); without it the
// test prints SKIP and exits 0.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');

function load() {
  const tries = ['@confluentinc/schemaregistry', path.join(__dirname, 'node', 'node_modules', '@confluentinc', 'schemaregistry')];
  for (const t of tries) {
    try { return require(t); } catch (e) { /* next */ }
  }
  return null;
}

function startMeshd() {
  const bin = process.env.MESHD_BIN;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshd-sr-npm-'));
  const proc = spawn(bin, ['serve', '--data-dir', dir, '--http', '127.0.0.1:0', '--registry', '127.0.0.1:0', '--kafka', 'off'],
                     { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no listening line within 20s')), 20000);
    proc.on('exit', (code) => reject(new Error('meshd exited with ' + code)));
    const rl = readline.createInterface({ input: proc.stdout });
    rl.on('line', (line) => {
      try {
        const o = JSON.parse(line);
        if (o.event === 'listening') {
          clearTimeout(timer);
          resolve({ proc, dir, endpoints: o });
        }
      } catch (e) { /* not JSON */ }
    });
  });
}

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok - ' + what);
}

async function main() {
  const sr = load();
  if (!sr) {
    console.log('SKIP: @confluentinc/schemaregistry is not installed');
    return;
  }
  const m = await startMeshd();
  try {
    if (!m.endpoints.registry) throw new Error('meshd reports no "registry" listener');
    const url = 'http://' + m.endpoints.registry;
    const client = new sr.SchemaRegistryClient({ baseURLs: [url] });
    const v1 = JSON.stringify({ type: 'record', name: 'CustomerPurchase', namespace: 'com.acme',
      fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }] });
    const id = await client.register('pos-orders-value', { schemaType: 'AVRO', schema: v1 });
    check(Number.isInteger(id) && id > 0, 'register returns an id');
    const ser = new sr.AvroSerializer(client, sr.SerdeType.VALUE, { useLatestVersion: true });
    const bytes = await ser.serialize('pos-orders', { id: 'p-1', amount: 12.5 });
    check(bytes[0] === 0 && bytes.readInt32BE(1) === id, 'AvroSerializer writes magic 0 + the id');
    const de = new sr.AvroDeserializer(client, sr.SerdeType.VALUE, {});
    const back = await de.deserialize('pos-orders', bytes);
    check(back.id === 'p-1' && back.amount === 12.5, 'AvroDeserializer reads it back');
    const auto = new sr.AvroSerializer(client, sr.SerdeType.VALUE, { autoRegisterSchemas: true });
    const b2 = await auto.serialize('pos-returns', { id: 'r-1', qty: 3 });
    check(b2[0] === 0, 'auto-registering serializer works (associations 404 fallback)');
    const bad = JSON.stringify({ type: 'record', name: 'CustomerPurchase', namespace: 'com.acme',
      fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'store', type: 'string' }] });
    let status = 0;
    try {
      await client.register('pos-orders-value', { schemaType: 'AVRO', schema: bad });
    } catch (e) {
      status = e.status || (e.response && e.response.status) || 0;
      console.log('  (error: ' + e.message + ')');
    }
    check(status === 409, 'incompatible version gets HTTP 409');
  } finally {
    // Remove the data dir only once meshd has exited: it writes while it
    // shuts down, and removing under it races (ENOTEMPTY).
    await new Promise((resolve) => {
      if (m.proc.exitCode !== null || m.proc.signalCode !== null) return resolve();
      const timer = setTimeout(() => { m.proc.kill('SIGKILL'); }, 10000);
      m.proc.once('exit', () => { clearTimeout(timer); resolve(); });
      m.proc.kill('SIGTERM');
    });
    fs.rmSync(m.dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
