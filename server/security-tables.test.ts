import { readFileSync } from 'node:fs';
import { CONFIG_FIELDS } from './config-fields.js';
import { limitsTable, securityBlock, unclassifiedSettings } from './security-tables.js';

describe('README "Security and limits"', () => {
  it('holds the block generated from the declarations that enforce it', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /<!-- security:start[^>]*-->\n([\s\S]*?)\n<!-- security:end -->/.exec(readme)?.[1];
    // On failure, paste `securityBlock()`'s output between the markers.
    expect(block).toBe(securityBlock());
  });

  it('classifies every setting: a new one is a documented limit or named as none', () => {
    expect(unclassifiedSettings(), 'add each to LIMIT_ROWS or NOT_LIMITS in server/security-tables.ts').toEqual([]);
  });

  it('takes each default from the setting it names', () => {
    const table = limitsTable();
    expect(table).toContain(`| ${CONFIG_FIELDS.streamIdleTimeoutMs.default} | \`--stream-idle-timeout-ms\``);
    expect(table).toContain(`| 4mb | \`--body-limit\` / \`PREFSEL_BODY_LIMIT\``);
  });
});
