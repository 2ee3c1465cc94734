/**
 * @module faults
 * What the simulator can be told to do wrong, programmatically (`inject`) or per request (header `x-sim-fault`).
 * Header syntax: `status=429; retry-after=1; times=2; stall=5000; content=blank|tag|<text>;
 * break=hang|cut|truncate|garbage; drop-after=40; stall-after=40` (the last two act mid-stream, once that many
 * completion tokens were sent). A header fault applies to
 * every request carrying it, or with `times=N` to the first N requests carrying that exact header value (so a client
 * that retries with the same header eventually gets through).
 */
import type { ChatCompletionCreateParams } from '../core/openai.js';
import { BREAKS, type Break } from './broken.js';

/** One fault. Without `status` (and with `stallMs` or `content`) the answer is still a 200. */
export interface SimFault {
  /** Answer with this HTTP error status. */
  status?: number;
  /** How many matching requests it applies to; default 1 (`Infinity` for all). */
  times?: number;
  /** Adds `Retry-After: N` to the error answer. */
  retryAfterSeconds?: number;
  /** Waits this long before answering (the client may give up first; that counts as aborted). */
  stallMs?: number;
  /** The exact error body to send instead of the OpenAI-shaped default. */
  body?: unknown;
  /** Answer 200 with exactly this assistant content, e.g. `''` or `'[INST]'` (degenerate candidates). */
  content?: string;
  /** Streams only: close the connection abruptly after this many completion tokens (an upstream crash mid-answer). */
  dropAfterTokens?: number;
  /** Streams only: stop sending after this many completion tokens and keep the connection open (a hung upstream). */
  stallAfterTokens?: number;
  /** Answer 200 and then break the answer this way (see `broken.ts`). */
  break?: Break;
  /** The route the fault applies to; default `chat` (`POST /v1/chat/completions`), or `models` (`GET /v1/models`). */
  route?: 'chat' | 'models';
  /** Only requests whose body passes this test take the fault (programmatic faults only). */
  match?: (body: ChatCompletionCreateParams) => boolean;
}

/** Named degenerate contents accepted by the header's `content=`. */
const NAMED_CONTENT: Record<string, string> = { blank: '   ', tag: '<|im_start|>', empty: '' };

/**
 * Parses an `x-sim-fault` header value.
 * @throws Error on an unknown key or a non-numeric number, so a typo in a test fails loudly.
 */
export function parseFaultHeader(value: string): SimFault {
  const fault: SimFault = {};
  for (const part of value.split(';')) {
    const [rawKey, ...rest] = part.split('=');
    const key = rawKey?.trim().toLowerCase();
    const raw = rest.join('=').trim();
    if (!key) continue;
    if (key === 'content') {
      fault.content = NAMED_CONTENT[raw] ?? raw;
      continue;
    }
    if (key === 'break') {
      if (!(BREAKS as readonly string[]).includes(raw))
        throw new Error(`x-sim-fault: break must be one of ${BREAKS.join(', ')}, got "${raw}"`);
      fault.break = raw as Break;
      continue;
    }
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new Error(`x-sim-fault: ${key} needs a number, got "${raw}"`);
    if (key === 'status') fault.status = n;
    else if (key === 'retry-after') fault.retryAfterSeconds = n;
    else if (key === 'times') fault.times = n;
    else if (key === 'stall') fault.stallMs = n;
    else if (key === 'drop-after') fault.dropAfterTokens = n;
    else if (key === 'stall-after') fault.stallAfterTokens = n;
    else throw new Error(`x-sim-fault: unknown key "${key}"`);
  }
  return fault;
}

/** Injected faults, consumed in injection order by the requests they match. */
export class FaultQueue {
  private faults: Array<{ fault: SimFault; left: number }> = [];
  private readonly headerUses = new Map<string, number>();

  /** Adds a programmatic fault. */
  inject(fault: SimFault): void {
    this.faults.push({ fault, left: fault.times ?? 1 });
  }

  /** Forgets every fault and header counter. */
  clear(): void {
    this.faults = [];
    this.headerUses.clear();
  }

  /** The fault for one request: its header's if any, else the first injected one it matches (which is used up). */
  take(
    body: ChatCompletionCreateParams | undefined,
    header: string | undefined,
    route: 'chat' | 'models' = 'chat',
  ): SimFault | undefined {
    if (header) {
      const fault = parseFaultHeader(header);
      const used = this.headerUses.get(header) ?? 0;
      this.headerUses.set(header, used + 1);
      if (fault.times === undefined || used < fault.times) return fault;
      return undefined;
    }
    const entry = this.faults.find(
      ({ fault, left }) =>
        left > 0 && (fault.route ?? 'chat') === route && (!fault.match || (body !== undefined && fault.match(body))),
    );
    if (!entry) return undefined;
    entry.left--;
    this.faults = this.faults.filter(({ left }) => left > 0);
    return entry.fault;
  }
}
