/**
 * @module http/extensions
 * prefsel's request extensions, wherever a client put them: `preference` / `selection` in the body, the
 * `X-Preference` / `X-Selection-*` headers, or a strategy prefix on the model id (`rps:llama-3`). Every endpoint that
 * selects (chat completions, Responses) resolves them here, so they share one precedence rule: body field, then
 * header, then the model's prefix, then the server default.
 */
import type { SelectorDefaults } from '../../core/selector.js';
import type { PreferenceInput, SelectionOptions, StrategyName } from '../../core/types.js';
import { readExtensionHeaders } from './headers.js';
import { splitModelPrefix } from './model-prefix.js';
import { preferenceSchema } from '../preference.js';
import { issuesToError } from '../validation.js';
import { selectionSchema, type SchemaLimits, type SelectionFields } from './request-schema.js';

/** Options of {@link createExtensionResolver}. */
export interface ExtensionResolverOptions extends SchemaLimits {
  defaults: Pick<SelectorDefaults, 'strategy' | 'k'>;
}

/** The extension fields of a body, already validated by the endpoint's own schema. */
export interface BodyExtensions {
  /** The model id as the client sent it, strategy prefix included. */
  model: string;
  preference?: PreferenceInput | undefined;
  selection?: SelectionFields | undefined;
}

/** The extensions of one request, merged and defaulted. */
export interface ResolvedExtensions {
  /** The model id without its strategy prefix: what the upstream is asked for. */
  model: string;
  preference?: PreferenceInput;
  /** Selection options for the engine, with the effective strategy filled in. */
  selection: SelectionOptions & { strategy: StrategyName };
  returnCandidates: boolean;
}

/**
 * Builds the resolver once (the header schemas depend on the scorer's attributes and `maxK`).
 * @returns a function that merges a request's headers with its body's extension fields; it throws an
 *   `InvalidRequestError` naming the field (and the header it came from) when a header value is invalid.
 */
export function createExtensionResolver(
  options: ExtensionResolverOptions,
): (headers: Headers, body: BodyExtensions) => ResolvedExtensions {
  const headerPreference = preferenceSchema(options);
  const headerSelection = selectionSchema(options);

  return function resolveExtensions(headers, body) {
    const fromHeaders = readExtensionHeaders(headers);
    let headerPref: PreferenceInput | undefined;
    if (fromHeaders.preference !== undefined) {
      const r = headerPreference.safeParse(fromHeaders.preference);
      if (!r.success)
        throw issuesToError(r.error.issues, { prefix: ['preference'], source: 'the X-Preference header' });
      headerPref = r.data;
    }
    let headerSel: SelectionFields = {};
    if (fromHeaders.selection) {
      const r = headerSelection.safeParse(fromHeaders.selection);
      if (!r.success) throw issuesToError(r.error.issues, { prefix: ['selection'], source: 'an X-Selection-* header' });
      headerSel = r.data;
    }

    // Body fields are the more specific request, so they win over headers field by field.
    const { return_candidates, ...selection } = { ...headerSel, ...body.selection };
    const preference = body.preference ?? headerPref;
    const prefixed = splitModelPrefix(body.model);
    const strategy = selection.strategy ?? prefixed.strategy ?? options.defaults.strategy;
    return {
      model: prefixed.model,
      ...(preference === undefined ? {} : { preference }),
      selection: { ...selection, strategy },
      returnCandidates: return_candidates === true,
    };
  };
}
