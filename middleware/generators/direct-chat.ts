/**
 * @module generators/direct-chat
 * `POST {base}/chat/completions` straight through `fetch`, for OpenAI-compatible base URLs. It sends the same request
 * and reads the answer the same way as `@huggingface/inference`'s `chatCompletion` with `endpointUrl` and
 * `retry_on_error: false` (URL rule, headers, body with `model` last, JSON / text / blob handling, no retries), but
 * skips that client's per-call work (provider resolution, option merging, request-option building, a `Headers` copy
 * in our fetch wrapper), which showed on every pass-through request's profile. Requests whose shape hf treats
 * specially are left to hf ({@link canPostDirectly}), so their behaviour stays exactly as it was.
 */
import { createRequire } from 'node:module';

const hfPackage = createRequire(import.meta.url)('@huggingface/inference/package.json') as { name: string; version: string };

/** hf's own User-Agent, so an upstream sees the same client on either path. */
export const HF_USER_AGENT = `${hfPackage.name}/${hfPackage.version}`;

/**
 * Body fields hf's client consumes instead of forwarding (`data` even replaces the whole body), so a request carrying
 * one must keep going through hf to behave as before.
 */
const HF_OWN_FIELDS = ['accessToken', 'endpointUrl', 'provider', 'urlTransform', 'data'] as const;

/** hf's `isUrl`: it refuses such a model name (input error) rather than sending it. */
const looksLikeUrl = (model: string) => /^http(s?):/.test(model) || model.startsWith('/');

/** A non-2xx answer, carrying what hf's `InferenceClientProviderApiError` carries: the status and the read body. */
export class UpstreamHttpError extends Error {
  constructor(
    readonly response: Response,
    /** Parsed JSON for JSON error bodies, the text for `text/plain;…`, else `''` (as hf reads it). */
    readonly body: unknown,
  ) {
    super(`The upstream answered ${response.status}.`);
    this.name = 'UpstreamHttpError';
  }
}

/** hf's endpoint URL rule for chat: `…/v1` gets `/chat/completions`, anything else not ending so gets `/v1/chat/completions`. */
export function chatCompletionsUrl(baseUrl: string): string {
  let url = baseUrl.trim().replace(/\/+$/, '');
  if (url.endsWith('/v1')) url += '/chat/completions';
  else if (!url.endsWith('/chat/completions')) url += '/v1/chat/completions';
  return url;
}

/** Whether hf would send this base URL and (already mapped) body unchanged, i.e. whether the direct path is exact. */
export function canPostDirectly(baseUrl: string, body: object & { model?: unknown }): boolean {
  // hf applies its endpoint rule only to http(s) URLs (anything else it treats as a Hub model id).
  if (!baseUrl.startsWith('http://') && !baseUrl.startsWith('https://')) return false;
  if (typeof body.model !== 'string' || looksLikeUrl(body.model)) return false;
  for (const field of HF_OWN_FIELDS) if (field in body) return false;
  return true;
}

/**
 * The fixed request headers, built once: hf's (`Authorization` when there is a key, `Content-Type`, `User-Agent`),
 * then the caller's extra headers over them, case-insensitively, as our fetch wrapper sets them on hf's.
 */
export function directHeaders(options: { apiKey?: string | undefined; headers?: Record<string, string> | undefined }): Record<string, string> {
  const headers = new Headers();
  if (options.apiKey) headers.set('authorization', `Bearer ${options.apiKey}`);
  headers.set('content-type', 'application/json');
  headers.set('user-agent', HF_USER_AGENT);
  for (const [key, value] of Object.entries(options.headers ?? {})) headers.set(key, value);
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

/**
 * Posts one chat request and returns the body as hf would: parsed JSON for `application/json`, else a Blob.
 * @throws UpstreamHttpError on a non-2xx answer; fetch's own errors (network, abort) and JSON parse errors as they are.
 */
export async function postChatCompletion(
  request: { url: string; headers: Record<string, string>; fetch: typeof fetch },
  body: object & { model: string },
  signal: AbortSignal | undefined,
): Promise<unknown> {
  // hf serialises every other field first and `model` last; keep the bytes the upstream sees identical.
  const { model, ...rest } = body;
  const response = await request.fetch(request.url, {
    method: 'POST',
    headers: request.headers,
    body: JSON.stringify({ ...rest, model }),
    signal,
  });
  const type = response.headers.get('content-type');
  if (!response.ok) {
    if (type?.startsWith('application/json') || type?.startsWith('application/problem+json')) {
      throw new UpstreamHttpError(response, await response.json());
    }
    throw new UpstreamHttpError(response, type?.startsWith('text/plain;') ? await response.text() : '');
  }
  return type?.startsWith('application/json') ? await response.json() : await response.blob();
}
