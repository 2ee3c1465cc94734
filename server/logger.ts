/**
 * @module logger
 * Structured JSON logs (pino). Secrets never reach a log line: configuration is logged through `describeConfig`
 * (masked), headers and bodies are never logged, authorization headers are redacted by path, and every line is
 * scrubbed of the configured keys last, whatever field carries them.
 */
import { pino, type Logger } from 'pino';
import type { ServerConfig } from './config.js';
import { redactText } from './redact.js';

/** Options of {@link createLogger} beyond the level and destination. */
export interface LoggerOptions {
  /**
   * Keys (the upstream's, the clients') scrubbed from every line, whole or in any recognisable fragment: an error's
   * cause can carry the upstream's message or the HTTP client's request headers, which no path list can foresee.
   */
  secrets?: readonly (string | undefined)[];
}

/**
 * Every secret of a configuration that a log line must never show: the upstream key, the client keys, and the
 * passwords in the PostgreSQL and Redis URLs (as written and decoded). A database driver's error can quote its
 * connection string, and the logger cannot know which field of which cause carries it.
 */
export function configSecrets(
  config: Pick<ServerConfig, 'upstreamApiKey' | 'apiKeys' | 'databaseUrl' | 'redisUrl'>,
): string[] {
  const passwords = [config.databaseUrl, config.redisUrl].flatMap((url) => {
    if (!url || !URL.canParse(url)) return [];
    const { password } = new URL(url);
    if (password === '') return [];
    let decoded = password;
    try {
      decoded = decodeURIComponent(password);
    } catch {
      // a malformed escape: the raw form is all there is
    }
    return decoded === password ? [password] : [password, decoded];
  });
  return [config.upstreamApiKey, ...config.apiKeys, ...passwords].filter((s): s is string => !!s);
}

/** Creates the process logger. */
export function createLogger(
  level: ServerConfig['logLevel'],
  destination?: pino.DestinationStream,
  extra: LoggerOptions = {},
): Logger {
  const secrets = (extra.secrets ?? []).filter((s): s is string => typeof s === 'string' && s !== '');
  const options: pino.LoggerOptions = {
    name: 'prefsel',
    level,
    redact: {
      // Configuration is logged through `describeConfig`, which masks secrets itself; these catch stray headers.
      paths: ['headers.authorization', '*.headers.authorization', 'req.headers.authorization'],
      censor: '***',
    },
    ...(secrets.length > 0 ? { hooks: { streamWrite: (line: string) => redactText(line, secrets) } } : {}),
  };
  // Synchronous writes to stdout: pino's own default hands every line to a libuv pool thread (a thread hop, a futex
  // and an event-loop wake-up per request line), and a synchronous line survives a crash.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
