// Validates an AsyncAPI document read from stdin with the official parser
// (@asyncapi/parser + the Avro schema parser for Avro payloads). Prints every
// diagnostic as one JSON line; exits 1 when the document has errors.
const fs = require('fs');
const { Parser } = require('@asyncapi/parser');
const { AvroSchemaParser } = require('@asyncapi/avro-schema-parser');

(async () => {
  const parser = new Parser();
  parser.registerSchemaParser(AvroSchemaParser());
  const input = fs.readFileSync(0, 'utf8');
  const { document, diagnostics } = await parser.parse(input);
  for (const d of diagnostics) {
    console.log(JSON.stringify({ severity: d.severity, code: d.code, message: d.message, path: d.path }));
  }
  const errors = diagnostics.filter((d) => d.severity === 0);
  if (!document || errors.length > 0) {
    console.log(`invalid: ${errors.length} error(s)`);
    process.exit(1);
  }
  console.log(`valid: ${document.channels().length} channels, ${document.operations().length} operations, ` +
              `${document.components().messages().length} messages`);
})().catch((e) => {
  console.log(`parser failed: ${e.stack || e}`);
  process.exit(2);
});
