/**
 * @module server
 * A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol and answers according to the
 * preference directive it receives (see `text-model.ts`). Tests, the demo server and the benchmarks use it as the
 * upstream: it counts clients that went away, models latency, injects faults and, when a test asks for it
 * (`record: true`), keeps the most recent requests. The offline default of `prefsel serve` keeps none.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatCompletionCreateParams, Model } from '../core/openai.js';
import { sleep } from '../core/sleep.js';
import { sendBroken } from './broken.js';
import { Chaos, type ChaosKind, type ChaosOptions } from './chaos.js';
import { FaultQueue, type SimFault } from './faults.js';
import { sendCompletion, sendError, streamCompletion } from './respond.js';
import { replyToRequest, usageFor } from './completion.js';
import type { Coverage, Reply } from './text-model.js';
import { countTokens } from './tokens.js';

/** Options of {@link startSimulatedUpstream}; every field is optional. */
export interface SimulatedUpstreamOptions {
  /** Default 0 (any free port). The host is always 127.0.0.1. */
  port?: number;
  /** Time to first token, ms; default 0. */
  ttftMs?: number;
  /** Generation speed; default 0 = instant. Non-stream answers wait ttft + tokens / speed; streams are paced. */
  tokensPerSecond?: number;
  /** Directive angles where the model is fully competent; default −90°…90° (competent everywhere that is sane). */
  coverage?: Coverage;
  /** σ of the competence fall-off outside the coverage, degrees; default 25. */
  falloffDeg?: number;
  /** Ids listed by `GET /v1/models`; default `['prefsel-sim']`. Any model id is accepted on completions. */
  models?: string[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Multiplies the number of sentences per answer (long answers); default 1. */
  lengthScale?: number;
  /** Correlation in [0, 1] between the latent quality of an answer's opening and of its rest; default 1. */
  prefixInformativeness?: number;
  /** Width of the per-answer latent on-topic rate (times temperature); default 0.2. */
  qualitySpread?: number;
  /**
   * Keep received requests in `received` (tests): `true` keeps the last {@link DEFAULT_RECORD_LIMIT}, a number keeps
   * that many. Off by default, so a long-running simulator holds no request history.
   * @default false
   */
  record?: boolean | number;
  /** Random faults on chat requests at a steady rate (soak tests); injected and header faults take precedence. */
  chaos?: ChaosOptions;
}

/** The simulator's counters, also served as JSON on `GET /__sim/stats`. */
export interface SimulatedUpstreamStats {
  /** Requests received (any route). */
  requests: number;
  /** Requests whose client went away before the answer was complete. */
  aborted: number;
  /** Chat requests being worked on right now. */
  inFlight: number;
  /** Completion tokens actually written to clients (stream chunks as sent, JSON answers whole). */
  tokensSent: number;
}

/** Requests `record: true` keeps (the oldest are dropped first). */
export const DEFAULT_RECORD_LIMIT = 1000;

/** One request as the simulator received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The parsed JSON body (undefined for GET or unparseable bodies). */
  body: ChatCompletionCreateParams | undefined;
}

/** A running simulator. */
export interface SimulatedUpstream {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  /** The most recent requests received, in arrival order; always empty unless started with `record`. */
  readonly received: RecordedRequest[];
  /** Requests whose client went away before the answer was complete. */
  readonly aborted: number;
  /** Chat requests being worked on right now. */
  readonly inFlight: number;
  /** Completion tokens actually written to clients: an aborted stream stops counting where it stopped sending. */
  readonly tokensSent: number;
  /** All counters at once. */
  stats(): SimulatedUpstreamStats;
  /** Faults chaos served so far, by kind (all zero without `chaos`). */
  chaosServed(): Record<ChaosKind, number>;
  /** Queues a fault for the next matching request(s). */
  inject(fault: SimFault): void;
  /** Clears recorded requests, counters and faults (for reuse across tests). */
  reset(): void;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/**
 * Starts the simulator.
 * @param [options.ttftMs=0] @param [options.tokensPerSecond=0] @param [options.coverage={fromDeg:-90,toDeg:90}]
 * @param [options.falloffDeg=25] @param [options.models=['prefsel-sim']]
 * @returns the running simulator; call `close()` when done.
 * @example
 * const sim = await startSimulatedUpstream({ coverage: { fromDeg: -45, toDeg: 0 } });
 * await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages }) });
 * await sim.close();
 */
export async function startSimulatedUpstream(options: SimulatedUpstreamOptions = {}): Promise<SimulatedUpstream> {
  const config = {
    ttftMs: options.ttftMs ?? 0,
    tokensPerSecond: options.tokensPerSecond ?? 0,
    coverage: options.coverage ?? { fromDeg: -90, toDeg: 90 },
    falloffDeg: options.falloffDeg ?? 25,
    models: options.models ?? ['prefsel-sim'],
    lengthScale: options.lengthScale,
    prefixInformativeness: options.prefixInformativeness,
    qualitySpread: options.qualitySpread,
  };
  const recordLimit =
    options.record === true ? DEFAULT_RECORD_LIMIT : typeof options.record === 'number' ? options.record : 0;
  const state = { received: [] as RecordedRequest[], requests: 0, aborted: 0, inFlight: 0, counter: 0, tokensSent: 0 };
  const stats = (): SimulatedUpstreamStats => ({
    requests: state.requests,
    aborted: state.aborted,
    inFlight: state.inFlight,
    tokensSent: state.tokensSent,
  });
  const faults = new FaultQueue();
  /** Answers the simulator broke off itself (a `dropAfterTokens` fault): not counted as aborted by the client. */
  const dropped = new WeakSet<ServerResponse>();
  const chaos = new Chaos(options.chaos ?? { rate: 0 });

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, { status: 500, message: `simulator bug: ${String(err)}` });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = trimTrailingSlashes(new URL(req.url ?? '/', 'http://sim').pathname);
    const raw = await readBody(req);
    let body: ChatCompletionCreateParams | undefined;
    try {
      body = raw ? (JSON.parse(raw) as ChatCompletionCreateParams) : undefined;
    } catch {
      body = undefined;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    );
    state.requests++;
    if (recordLimit > 0) {
      state.received.push({ method: req.method ?? 'GET', path, headers, body });
      if (state.received.length > recordLimit) state.received.shift();
    }
    if (options.apiKey !== undefined && headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendError(res, { status: 401, message: 'Incorrect API key provided.' });
    }
    if (req.method === 'GET' && path === '/__sim/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats()));
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const fault = faults.take(undefined, headers['x-sim-fault'], 'models');
      return fault ? answerModelsFault(res, fault, req) : sendModels(res);
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendError(res, { status: 404, message: `Unknown route ${req.method} ${path}` });
    }
    if (!body || typeof body.model !== 'string')
      return sendError(res, { status: 400, message: 'model is required', param: 'model' });
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return sendError(res, { status: 400, message: 'messages must be a non-empty array', param: 'messages' });
    }
    state.inFlight++;
    // The client going away (or its AbortSignal firing) closes the socket before the answer ended.
    const gone = new AbortController();
    res.on('close', () => {
      state.inFlight--;
      if (!res.writableEnded && !dropped.has(res)) {
        state.aborted++;
        gone.abort();
      }
    });
    const fault = faults.take(body, headers['x-sim-fault']) ?? chaos.draw();
    await answer(res, { body, fault, signal: gone.signal });
  }

  async function answer(
    res: ServerResponse,
    ctx: { body: ChatCompletionCreateParams; fault: SimFault | undefined; signal: AbortSignal },
  ): Promise<void> {
    const { body, fault, signal } = ctx;
    try {
      if (fault?.stallMs) await sleep(fault.stallMs, signal);
      if (fault?.status !== undefined) {
        return sendError(res, {
          status: fault.status,
          message: `Simulated upstream failure (${fault.status}).`,
          ...(fault.retryAfterSeconds !== undefined ? { retryAfterSeconds: fault.retryAfterSeconds } : {}),
          ...(fault.body !== undefined ? { body: fault.body } : {}),
        });
      }
      const n = Math.max(1, Math.floor(body.n ?? 1));
      const replies = Array.from({ length: n }, (_, choiceIndex) => replyFor(body, { fault, choiceIndex }));
      const usage = usageFor(body, replies);
      const identity = {
        id: `chatcmpl-sim-${++state.counter}`,
        created: Math.floor(Date.now() / 1000),
        model: body.model,
      };
      await sleep(config.ttftMs, signal);
      if (fault?.break) {
        const broken = { stream: body.stream === true, identity, content: replies[0]!.content, signal };
        return await sendBroken(res, fault.break, broken);
      }
      if (body.stream) {
        let streamed = 0;
        const started = performance.now();
        const streamOptions = body.stream_options;
        await streamCompletion(res, {
          identity,
          replies,
          usage,
          includeUsage: streamOptions?.include_usage === true,
          continuousUsage: streamOptions?.continuous_usage_stats === true,
          pace: async (tokens) => {
            // Paced against the clock, not chunk by chunk: timer and write overheads must not slow the model down.
            await sleep(Math.max(0, started + tokenMs(streamed + tokens) - performance.now()), signal);
            await midStreamFault(res, { fault, sent: streamed, signal });
          },
          onSent: (tokens) => {
            streamed += tokens;
            state.tokensSent += tokens;
          },
        });
        return;
      }
      await sleep(tokenMs(usage.completion_tokens), signal);
      sendCompletion(res, { identity, replies, usage });
      state.tokensSent += usage.completion_tokens;
    } catch (err) {
      if (signal.aborted) return; // the client left; stop working, nothing to send
      throw err;
    }
  }

  function replyFor(
    body: ChatCompletionCreateParams,
    ctx: { fault: SimFault | undefined; choiceIndex: number },
  ): Reply {
    if (ctx.fault?.content !== undefined) {
      const content = ctx.fault.content;
      const completionTokens = countTokens(content);
      return {
        content,
        finishReason: 'stop',
        completionTokens,
        angleDeg: 0,
        competence: 1,
        truth: { helpfulness: 0, verbosity: 0 },
      };
    }
    return replyToRequest(body, config, ctx.choiceIndex);
  }

  /** Mid-stream faults: drop the connection, or hang until the client leaves. */
  async function midStreamFault(
    res: ServerResponse,
    ctx: { fault: SimFault | undefined; sent: number; signal: AbortSignal },
  ): Promise<void> {
    const { fault, sent, signal } = ctx;
    if (fault?.dropAfterTokens !== undefined && sent >= fault.dropAfterTokens) {
      dropped.add(res);
      // What was written still reaches the client; then the connection ends without the stream's terminator.
      if (res.socket) res.socket.destroySoon();
      else res.destroy();
      throw new DOMException('dropped', 'AbortError');
    }
    if (fault?.stallAfterTokens !== undefined && sent >= fault.stallAfterTokens) {
      await sleep(2 ** 31 - 1, signal);
    }
  }

  function sendModels(res: ServerResponse): void {
    const data: Model[] = config.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'prefsel-sim' }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
  }

  /** A fault on `GET /v1/models`: a stall, an error status or a broken body. */
  async function answerModelsFault(res: ServerResponse, fault: SimFault, req: IncomingMessage): Promise<void> {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    req.on('close', () => {
      if (!res.writableEnded) gone.abort();
    });
    try {
      if (fault.stallMs) await sleep(fault.stallMs, gone.signal);
      if (fault.status !== undefined)
        return sendError(res, { status: fault.status, message: `Simulated upstream failure (${fault.status}).` });
      if (!fault.break) return sendModels(res);
      const identity = { id: 'models', created: 0, model: '' };
      await sendBroken(res, fault.break, { stream: false, identity, content: '', signal: gone.signal });
    } catch (err) {
      if (!gone.signal.aborted) throw err;
    }
  }

  const tokenMs = (tokens: number): number =>
    config.tokensPerSecond > 0 ? (tokens / config.tokensPerSecond) * 1000 : 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    received: state.received,
    get aborted() {
      return state.aborted;
    },
    get inFlight() {
      return state.inFlight;
    },
    get tokensSent() {
      return state.tokensSent;
    },
    stats,
    chaosServed: () => chaos.served(),
    inject: (fault) => faults.inject(fault),
    reset() {
      state.received.length = 0;
      state.requests = 0;
      state.aborted = 0;
      state.tokensSent = 0;
      faults.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `path` without trailing slashes; a loop, since `/\/+$/` backtracks quadratically over a run of inner slashes. */
function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end--;
  return path.slice(0, end);
}
