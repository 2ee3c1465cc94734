/**
 * @module logger
 * Structured JSON logs (pino). Secrets never reach a log line: configuration is logged through `describeConfig`
 * (masked), headers and bodies are never logged, and the paths below are redacted as a second line of defence.
 */
import { pino, type Logger } from 'pino';
import type { ServerConfig } from './config.js';

/** Creates the process logger. */
export function createLogger(level: ServerConfig['logLevel'], destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: 'prefsel',
    level,
    redact: {
      paths: ['upstreamApiKey', 'apiKeys', '*.upstreamApiKey', '*.apiKeys', 'headers.authorization', '*.headers.authorization'],
      censor: '***',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
