/** `[integrations.<id>]`: each id checked against its own keys (integration-schemas.ts). */
import {
  INTEGRATION_IDS,
  INTEGRATIONS,
  type IntegrationConfigs,
  type IntegrationId,
} from '../integration-schemas.ts';
import {
  firstEnvLeaf,
  isFalseValue,
  isPlainObject,
  join,
  makeFieldFrom,
  type FieldBuilder,
} from '../schema.ts';
import { nearest } from '../suggest.ts';

/** Only enabled integrations are kept: consumers never see a disabled partner. */
export type EnabledIntegrations = { readonly [K in IntegrationId]?: IntegrationConfigs[K] };

export const integrations: FieldBuilder<EnabledIntegrations> = makeFieldFrom(
  '[integrations] table',
  (value, path, ctx) => {
    if (!isPlainObject(value)) {
      ctx.report(path, 'expected a table of [integrations.<id>] sections', value);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [id, raw] of Object.entries(value)) {
      const keyPath = join(path, id);
      if (!Object.hasOwn(INTEGRATIONS, id)) {
        const hint = nearest(id, INTEGRATION_IDS);
        ctx.report(
          keyPath,
          `unknown integration "${id}"` +
            (hint ? `; did you mean "${hint}"?` : `; known: ${INTEGRATION_IDS.join(', ')}`),
          firstEnvLeaf(raw),
        );
        ok = false;
        continue;
      }
      const schema = INTEGRATIONS[id as IntegrationId];
      const disabled = isPlainObject(raw) && isFalseValue(raw['enabled']);
      const parsed = (disabled ? schema.disabled : schema.strict).parse(raw, keyPath, ctx) as
        { enabled: boolean } | undefined;
      if (parsed === undefined) ok = false;
      else if (parsed.enabled) out[id] = parsed;
    }
    return ok ? out : undefined;
  },
  false,
  {
    kind: 'object',
    shape: Object.fromEntries(INTEGRATION_IDS.map((id) => [id, INTEGRATIONS[id].strict])),
  },
).default(() => ({}));
