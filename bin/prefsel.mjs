#!/usr/bin/env node
// The `prefsel` command: registers tsx (a runtime dependency) so the TypeScript CLI runs without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli.ts');
