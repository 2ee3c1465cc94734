import { Writable } from 'node:stream';
import { configSecrets, createLogger } from './logger.js';

const config = {
  upstreamApiKey: 'sk-UPSTREAM-0123456789',
  apiKeys: ['client-key-abcdefgh'],
  databaseUrl: 'postgres://alice:Db%21Pa55word@db.internal:5432/prefsel',
  redisUrl: 'redis://:R3disSecretPw@cache.internal:6379/0',
};

function capture(secrets: readonly string[]) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', sink, { secrets }), lines };
}

describe('configSecrets', () => {
  it('holds the keys and the database and Redis passwords, as written and decoded', () => {
    expect(configSecrets(config)).toEqual([
      'sk-UPSTREAM-0123456789',
      'client-key-abcdefgh',
      'Db%21Pa55word',
      'Db!Pa55word',
      'R3disSecretPw',
    ]);
    expect(
      configSecrets({
        upstreamApiKey: undefined,
        apiKeys: [],
        databaseUrl: 'postgres://alice@db/prefsel',
        redisUrl: undefined,
      }),
    ).toEqual([]);
  });

  it('keeps a connection string quoted by a driver error out of every log line', () => {
    const { logger, lines } = capture(configSecrets(config));
    const err = new Error(`could not connect to ${config.databaseUrl} (password Db!Pa55word rejected)`);
    logger.error({ err, redis: config.redisUrl }, 'profiles: PostgreSQL unavailable');
    const line = lines.join('');
    expect(line).toContain('profiles: PostgreSQL unavailable');
    for (const secret of ['Db%21Pa55word', 'Db!Pa55word', 'R3disSecretPw']) expect(line).not.toContain(secret);
    expect(line).toContain('db.internal');
  });
});
