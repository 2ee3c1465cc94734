/**
 * @module logger
 * Structured JSON logs (pino). Secrets never reach a log line: configuration is logged through `describeConfig`
 * (masked), headers and bodies are never logged, and authorization headers are redacted as a second line of defence.
 */
import { pino, type Logger } from 'pino';
import type { ServerConfig } from './config.js';

/** Creates the process logger. */
export function createLogger(level: ServerConfig['logLevel'], destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: 'prefsel',
    level,
    redact: {
      // Configuration is logged through `describeConfig`, which masks secrets itself; these catch stray headers.
      paths: ['headers.authorization', '*.headers.authorization', 'req.headers.authorization'],
      censor: '***',
    },
  };
  // Synchronous writes to stdout: pino's own default hands every line to a libuv pool thread (a thread hop, a futex
  // and an event-loop wake-up per request line), and a synchronous line survives a crash.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
