// Runs every graphql-http server audit against the GraphQL endpoint given as argv[2] and prints
// one JSON array of {id, name, status, reason} on stdout. Exit code 0 whatever the results:
// the Python test decides what must pass.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node run-audits.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}

const results = [];
for (const audit of serverAudits({ url })) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    result = { id: audit.id, name: audit.name, status: 'error', reason: `audit threw: ${err}` };
  }
  results.push({
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.status === 'ok' ? null : result.reason,
  });
}
process.stdout.write(JSON.stringify(results, null, 1) + '\n');
