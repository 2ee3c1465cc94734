/**
 * @module http/parse-request
 * From a raw `Request` to a validated, normalised chat request: JSON body and extension headers through one
 * schema, then the few cross-field rules (`n` ≤ k, tool and JSON-mode requests pass through with strategy `none`).
 */
import { InvalidRequestError } from '../../core/errors.js';
import { takeTurn } from '../../core/turns.js';
import type { ChatCompletionCreateParams } from '../../core/openai.js';
import type { SelectorDefaults } from '../../core/selector.js';
import type { PreferenceInput, SelectionOptions, StrategyName } from '../../core/types.js';
import {
  EXTENSION_PARAMS,
  forwardableParams,
  pickUpstreamParams,
  unknownParamError,
} from '../../core/upstream-params.js';
import { issuesToError } from '../validation.js';
import { createExtensionResolver } from './extensions.js';
import { jsonTooDeep, MAX_JSON_DEPTH } from './json-depth.js';
import { chatRequestSchema, type SchemaLimits } from './request-schema.js';

/** Bodies from this many characters take a turn of the event loop before they are checked and parsed. */
const TURN_CHARS = 64 * 1024;

/** Why a request bypasses selection even though a selecting strategy was asked for. */
export type PassThroughReason = 'tools' | 'response_format';

/** A validated request, ready for the engine and the renderer. */
export interface ParsedChatRequest {
  /** The model as the client named it, strategy prefix included (responses report this name). */
  model: string;
  /**
   * The body for the upstream: prefsel's extensions and the response-shaping fields (`stream`, `n`) removed, and
   * `model` without its strategy prefix.
   */
  params: ChatCompletionCreateParams;
  preference?: PreferenceInput;
  /** Selection options with the effective strategy filled in. */
  selection: SelectionOptions & { strategy: StrategyName };
  /** Number of choices to return. */
  n: number;
  stream: boolean;
  includeUsage: boolean;
  returnCandidates: boolean;
  /** Set when the request was switched to strategy `none` because selection cannot judge it. */
  passThrough: PassThroughReason | null;
}

/** Options of {@link createRequestParser}. */
export interface RequestParserOptions extends SchemaLimits {
  defaults: Pick<SelectorDefaults, 'strategy' | 'k'>;
  /** Top-level fields accepted and forwarded beyond the chat-completion parameters; default none. */
  forwardParams?: readonly string[];
}

/** Fields prefsel consumes and shapes itself; never copied from the client into the upstream body. */
const OWN_FIELDS = [...EXTENSION_PARAMS, 'stream', 'stream_options', 'n'] as const;

/** Builds the parser once (schemas depend on the scorer's attributes), returns the per-request function. */
export function createRequestParser(options: RequestParserOptions): (request: Request) => Promise<ParsedChatRequest> {
  const bodySchema = chatRequestSchema(options);
  const resolveExtensions = createExtensionResolver(options);
  const forwarded = forwardableParams(options.forwardParams);
  const accepted = new Set<string>([...forwarded, ...EXTENSION_PARAMS]);

  return async function parseChatRequest(request: Request): Promise<ParsedChatRequest> {
    const raw = await readJson(request);
    // Before the schema, so the field is named even when it would also fail a type check.
    for (const key of Object.keys(raw)) if (!accepted.has(key)) throw unknownParamError(key);
    const parsed = bodySchema.safeParse(raw);
    if (!parsed.success) throw issuesToError(parsed.error.issues);
    const body = parsed.data;

    const { model, preference, selection, returnCandidates } = resolveExtensions(request.headers, body);
    const passThrough: PassThroughReason | null =
      body.tools != null && body.tools.length > 0
        ? 'tools'
        : body.response_format != null && body.response_format.type !== 'text'
          ? 'response_format'
          : null;
    const strategy: StrategyName = passThrough ? 'none' : selection.strategy;
    const n = body.n ?? 1;
    if (strategy !== 'none') {
      const k = selection.k ?? options.defaults.k;
      if (n > k) {
        throw new InvalidRequestError(
          `\`n\` (${n}) cannot exceed the number of candidates k (${k}); raise \`selection.k\` or the X-Selection-K header.`,
          { param: 'n' },
        );
      }
    }

    const fields: Record<string, unknown> = { ...body, model };
    for (const field of OWN_FIELDS) delete fields[field];
    // With a selecting strategy, `n` means "choices from the k candidates"; each upstream call makes one.
    if (strategy === 'none' && body.n != null) fields.n = body.n;
    const params: ChatCompletionCreateParams = pickUpstreamParams(fields, forwarded);

    return {
      model: body.model,
      params,
      ...(preference === undefined ? {} : { preference }),
      selection: { ...selection, strategy },
      n,
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
      returnCandidates,
      passThrough,
    };
  };
}

/**
 * The body as a JSON object, whatever `Content-Type` says (curl's `-d` sends form encoding by default).
 * @param what - names the expected request in the empty-body error (`chat-completions request`).
 */
export async function readJson(request: Request, what = 'chat-completions request'): Promise<Record<string, unknown>> {
  const text = await request.text();
  // Checking and parsing cost in proportion to the body: a large one waits its turn, so several arriving together
  // are parsed one per turn of the event loop with other requests (health checks) answered in between.
  if (text.length >= TURN_CHARS) await takeTurn();
  if (text.trim() === '') {
    throw new InvalidRequestError(`The request body is empty; send a JSON ${what}.`);
  }
  // Before parsing: a deeply nested body would overflow the stack of the first recursive consumer after the parse.
  const deep = jsonTooDeep(text, MAX_JSON_DEPTH);
  if (deep) {
    const where = deep.key === null ? '' : ` under \`${deep.key}\``;
    throw new InvalidRequestError(
      `The request body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels${where}.`,
      { param: deep.key, code: 'nesting_too_deep' },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const why = err instanceof SyntaxError ? err.message : 'malformed JSON';
    throw new InvalidRequestError(`The request body is not valid JSON (${why}).`, { code: 'invalid_json' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError('The request body must be a JSON object.', { code: 'invalid_json' });
  }
  return value as Record<string, unknown>;
}
