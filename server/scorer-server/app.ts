/**
 * @module scorer-server/app
 * `createScorerServerApp(deps)`: the Open Inference Protocol (KServe v2) REST API over hosted models, so one package
 * is both the CPU proxy fleet and the scorer pool (`prefsel serve-scorer`).
 *
 * Routes (https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md):
 * `GET /v2`, `GET /v2/health/live`, `GET /v2/health/ready`, `GET /v2/models/{m}[/versions/{v}]`,
 * `GET /v2/models/{m}[/versions/{v}]/ready`, `POST /v2/models/{m}[/versions/{v}]/infer` (JSON, or binary tensors
 * with `Inference-Header-Content-Length`, answered in binary when asked by `binary_data` / `binary_data_output`).
 * Errors are the protocol's `{"error": "…"}` with 400 (malformed request), 404 (unknown model or version),
 * 413 (body too large), 429 (the scorer's queue is full), 503 (shutting down) or 500.
 */
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { OverloadedError } from '../../core/errors.js';
import {
  BINARY_EXTENSION,
  decodeInferRequest,
  encodeMessage,
  INFERENCE_HEADER,
  ProtocolError,
  type InferRequest,
} from '../../scorers/protocols/kserve-v2.js';
import { bodyLimit } from '../body-limit.js';
import { BadInferRequest, checkInputs, outputTensor, type HostedModel } from './models.js';

/** What the app needs. */
export interface ScorerServerDeps {
  models: ReadonlyMap<string, HostedModel>;
  logger: Logger;
  /** The server's version, reported by `GET /v2`. */
  version: string;
  /** Largest request body, bytes. */
  bodyLimit: number;
  /** Longest one inference may take before it is abandoned with 503. @default 60000 */
  inferTimeoutMs?: number;
}

/** The app plus the switch that makes readiness fail while the process drains. */
export interface ScorerServerApp {
  app: Hono;
  /** From now on `/v2/health/ready` answers 503 (load balancers stop sending), infer still works. */
  drain(): void;
}

/** Builds the app. */
export function createScorerServerApp(deps: ScorerServerDeps): ScorerServerApp {
  const { models, logger } = deps;
  const app = new Hono();
  let draining = false;
  const fail = (c: Context, status: 400 | 404 | 413 | 429 | 500 | 503, error: string) => c.json({ error }, status);

  /** The model a path names, or a 404 answer. */
  const lookup = (c: Context): HostedModel | Response => {
    const name = c.req.param('model')!;
    const version = c.req.param('version');
    const model = models.get(name);
    if (!model) return fail(c, 404, `Unknown model ${name}; this server hosts ${[...models.keys()].join(', ')}`);
    if (version !== undefined && !(model.metadata.versions ?? []).includes(version)) {
      return fail(c, 404, `Unknown version ${version} of model ${name}`);
    }
    return model;
  };

  app.get('/v2', (c) => c.json({ name: 'prefsel', version: deps.version, extensions: [BINARY_EXTENSION] }));
  app.get('/v2/health/live', (c) => c.json({ live: true }));
  app.get('/v2/health/ready', (c) => (draining ? c.json({ ready: false }, 503) : c.json({ ready: true })));

  for (const prefix of ['/v2/models/:model', '/v2/models/:model/versions/:version']) {
    app.get(prefix, (c) => {
      const model = lookup(c);
      return model instanceof Response ? model : c.json(model.metadata);
    });
    app.get(`${prefix}/ready`, (c) => {
      const model = lookup(c);
      return model instanceof Response ? model : c.json({ name: model.metadata.name, ready: !draining });
    });
    app.post(
      `${prefix}/infer`,
      bodyLimit({
        maxSize: deps.bodyLimit,
        onError: (c) =>
          c.json({ error: `Request body exceeds the limit of ${deps.bodyLimit} bytes` }, 413, { connection: 'close' }),
      }),
      async (c) => {
        const model = lookup(c);
        if (model instanceof Response) return model;
        let request: InferRequest;
        try {
          request = decodeInferRequest(new Uint8Array(await c.req.arrayBuffer()), c.req.header(INFERENCE_HEADER));
        } catch (err) {
          if (err instanceof ProtocolError) return fail(c, 400, err.message);
          throw err;
        }
        try {
          const inputs = checkInputs(model, request.inputs);
          const wanted = request.outputs ?? [];
          const output = model.metadata.outputs[0]!;
          const unknown = wanted.find((o) => o.name !== output.name);
          if (unknown) return fail(c, 400, `unknown output ${unknown.name}; this model has ${output.name}`);
          const signal = AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(deps.inferTimeoutMs ?? 60_000)]);
          const rows = await model.infer(inputs, { signal });
          const binaryOut = wanted[0]?.parameters?.binary_data ?? request.parameters?.binary_data_output === true;
          const { body, headers } = encodeMessage(
            {
              model_name: model.metadata.name,
              model_version: '1',
              ...(request.id === undefined ? {} : { id: request.id }),
              outputs: [outputTensor(model, rows)],
            },
            binaryOut === true,
          );
          return c.body(typeof body === 'string' ? body : (body as Uint8Array<ArrayBuffer>), 200, headers);
        } catch (err) {
          if (err instanceof BadInferRequest) return fail(c, 400, err.message);
          if (err instanceof OverloadedError) return fail(c, 429, err.message);
          if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
            return fail(c, 503, 'The inference was abandoned (timeout or client gone)');
          }
          logger.error({ err }, 'inference failed');
          return fail(c, 500, 'Inference failed');
        }
      },
    );
  }
  app.notFound((c) => fail(c, 404, `Unknown route: ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    logger.error({ err }, 'request failed');
    return fail(c, 500, 'Internal server error');
  });
  return {
    app,
    drain() {
      draining = true;
    },
  };
}
