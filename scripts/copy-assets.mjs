// `tsc` emits only JavaScript; the playground's static page must sit beside its compiled route module.
import { cpSync, readdirSync } from 'node:fs';

const from = new URL('../server/playground/', import.meta.url);
const to = new URL('../dist/server/playground/', import.meta.url);
for (const name of readdirSync(from)) {
  if (/\.(html|css|js)$/.test(name)) cpSync(new URL(name, from), new URL(name, to));
}
