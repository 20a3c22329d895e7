/**
 * How one `[integrations.<id>]` table is described: its keys, the rules that hold only when it is
 * enabled, and an optional final reshaping (an alias folded into its canonical key).
 *
 * Upstream skips a table with `enabled = false` entirely. Here such a table may leave its required
 * keys out (a key written as `""`, as upstream's sample config does, counts as left out), but every
 * other key it writes is still type-checked and unknown keys are still errors, so a typo is caught
 * before the integration is switched on.
 */
import {
  EnvValue,
  isPlainObject,
  makeFieldFrom,
  object,
  type FieldBuilder,
  type InferShape,
  type bool,
  type RuleReport,
  type Shape,
} from '../schema.ts';

type EnabledShape = Shape & { enabled: ReturnType<typeof bool> };

export interface IntegrationSchema<T extends { enabled: boolean }> {
  readonly shape: Shape;
  /** The table when it may be enabled: required keys, enabled-only rules. */
  readonly strict: FieldBuilder<T>;
  /** The table when `enabled = false`: required keys optional. */
  readonly disabled: FieldBuilder<unknown>;
}

interface Rules<S extends Shape> {
  /** Checked whatever `enabled` says (two spellings of one key given together). */
  always?: (config: Partial<InferShape<S>>, report: RuleReport) => void;
  /** Checked only when the integration is enabled. */
  whenEnabled?: (config: InferShape<S>, report: RuleReport) => void;
}

export function integration<S extends EnabledShape>(
  shape: S,
  rules?: Rules<S>,
): IntegrationSchema<InferShape<S> & { enabled: boolean }>;
export function integration<S extends EnabledShape, T extends { enabled: boolean }>(
  shape: S,
  rules: Rules<S> & { finish: (config: InferShape<S>) => T },
): IntegrationSchema<T>;
export function integration<S extends EnabledShape, T extends { enabled: boolean }>(
  shape: S,
  rules: Rules<S> & { finish?: (config: InferShape<S>) => T } = {},
): IntegrationSchema<T> {
  const always = rules.always ?? (() => undefined);
  const whenEnabled = rules.whenEnabled ?? (() => undefined);
  const finish = rules.finish ?? ((config: InferShape<S>) => config as unknown as T);
  const relaxed: Shape = Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [
      key,
      field.required ? (field as FieldBuilder<unknown>).optional() : field,
    ]),
  );
  return {
    shape,
    strict: object(shape, 'integration table')
      .refine(always)
      .refine((config, report) => {
        if ((config as { enabled: boolean }).enabled) whenEnabled(config, report);
      })
      .transform(finish),
    disabled: withoutEmptyStrings(
      object(relaxed, 'integration table').refine((config, report) =>
        always(config as Partial<InferShape<S>>, report),
      ),
    ),
  };
}

function withoutEmptyStrings(table: FieldBuilder<unknown>): FieldBuilder<unknown> {
  return makeFieldFrom(
    table.description,
    (value, path, ctx) => {
      if (!isPlainObject(value)) return table.parse(value, path, ctx);
      const kept = Object.entries(value).filter(
        ([, entry]) => entry !== '' && !(entry instanceof EnvValue && entry.raw === ''),
      );
      return table.parse(Object.fromEntries(kept), path, ctx);
    },
    false,
    table.meta,
  );
}
