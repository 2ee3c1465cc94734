/**
 * @module server
 * The proxy as a library: `loadConfig` (flags + `PREFSEL_*` env → validated config), `compose` (config → generator,
 * scorer, selector and app), `createApp` (the Hono app from ready-made parts). Re-exports only.
 */
export { createApp } from './app.js';
export type { AppDeps, AppOptions, ServerVariables } from './app.js';
export { compose } from './compose.js';
export type { Composed, ComposeOptions } from './compose.js';
export { describeConfig, helpText, loadConfig } from './config.js';
