/**
 * `[creative_opportunities]` with `[[creative_opportunities.slot]]`: the ad slots of server-side
 * ad templates (upstream HEAD's SSAT), validated with upstream's start-up rules.
 */
import { headerName } from '../field-kinds.ts';
import { array, bool, int, json, map, num, object, oneOf, str } from '../schema.ts';

const SECTION = /^[A-Za-z0-9_-]+$/;
/** GAM's limit on a unit path; upstream enforces it on rendered templates. */
const MAX_UNIT_PATH_BYTES = 100;

type TemplatePart = { literal: string } | { placeholder: 'network_id' | 'section' | 'slot_id' };

/** Parses a `gam_unit_path` template (`/{network_id}/news/{section}`); throws on a bad one. */
export function parseUnitTemplate(raw: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let rest = raw;
  while (rest !== '') {
    const open = rest.indexOf('{');
    const close = rest.indexOf('}');
    if (close !== -1 && (open === -1 || close < open)) throw new Error('stray "}"');
    if (open === -1) {
      parts.push({ literal: rest });
      break;
    }
    if (open > 0) parts.push({ literal: rest.slice(0, open) });
    if (close === -1) throw new Error('unmatched "{"');
    const name = rest.slice(open + 1, close);
    if (name.includes('{')) throw new Error('nested "{"');
    if (name !== 'network_id' && name !== 'section' && name !== 'slot_id') {
      throw new Error(
        `unknown placeholder "{${name}}" (known: {network_id}, {section}, {slot_id})`,
      );
    }
    parts.push({ placeholder: name });
    rest = rest.slice(close + 1);
  }
  return parts;
}

const encoder = new TextEncoder();

const format = object({
  width: int({ min: 1, max: 4294967295 }),
  height: int({ min: 1, max: 4294967295 }),
  media_type: oneOf(['banner', 'video', 'native']).default('banner'),
});

const slot = object({
  id: str().check((id) =>
    SECTION.test(id) ? undefined : `must match [A-Za-z0-9_-]+, got "${id}"`,
  ),
  /** Verbatim path, or a template; absent: `/<gam_network_id>/<id>`. */
  gam_unit_path: str()
    .check((raw) => {
      try {
        parseUnitTemplate(raw);
        return undefined;
      } catch (error) {
        return `invalid template: ${(error as Error).message}`;
      }
    })
    .optional(),
  div_id: str().optional(),
  /** Globs over the request path; `/news/*` does not match `/news`. */
  page_patterns: array(str()).check((list) =>
    list.length === 0 ? 'must list at least one page pattern' : undefined,
  ),
  formats: array(format).check((list) =>
    list.length === 0 ? 'must list at least one format' : undefined,
  ),
  floor_price: num({ min: 0 }).optional(),
  targeting: map(str({ nonEmpty: false })).default(() => ({})),
  providers: object({
    /** Kept upstream for compatibility only; APS OpenRTB ignores it. */
    aps: object({ slot_id: str() }).optional(),
    /** Inline Prebid Server bidder params, bidder name → params. */
    prebid: object({ bidders: map(json()).default(() => ({})) }).optional(),
  }).orEmpty(),
});

export const creativeOpportunities = object({
  gam_network_id: str({ nonEmpty: false }),
  /** Absent: `[auction] timeout_ms`. */
  auction_timeout_ms: int({ min: 1, max: 60000 }).optional(),
  price_granularity: oneOf(['low', 'medium', 'dense', 'high', 'auto']).default('dense'),
  section_root: str()
    .check((root) => (SECTION.test(root) ? undefined : `must match [A-Za-z0-9_-]+, got "${root}"`))
    .optional(),
  section_segment: int({ min: 0 }).optional(),
  assembly_mode: oneOf(['inline', 'esi']).optional(),
  template_cache_vary: array(
    headerName().check((name) =>
      name.toLowerCase() === 'cookie'
        ? 'must not be Cookie: shared templates are the same for every reader'
        : undefined,
    ),
  ).optional(),
  template_cache_max_age_seconds: int({ min: 1, max: 86400 }).optional(),
  origin_is_cookie_independent: bool().optional(),
  slot: array(slot).default(() => []),
}).refine((section, report) => {
  section.slot.forEach((entry, index) => {
    const parts = entry.gam_unit_path === undefined ? [] : parseUnitTemplate(entry.gam_unit_path);
    const uses = (name: string) =>
      parts.some((part) => 'placeholder' in part && part.placeholder === name);
    const at = `slot[${index}]`;
    if (
      (entry.gam_unit_path === undefined || uses('network_id')) &&
      section.gam_network_id.trim() === ''
    ) {
      report.error('gam_network_id', `must not be empty: ${at} uses the GAM network id`);
    }
    if (uses('section') && section.section_root === undefined) {
      report.error('section_root', `required: ${at}.gam_unit_path uses {section}`);
    }
    const dynamic = parts.some((part) => 'placeholder' in part);
    if (!dynamic) return;
    const rendered = parts
      .map((part) =>
        'literal' in part
          ? part.literal
          : part.placeholder === 'network_id'
            ? section.gam_network_id
            : part.placeholder === 'slot_id'
              ? entry.id
              : (section.section_root ?? ''),
      )
      .join('');
    if (encoder.encode(rendered).length > MAX_UNIT_PATH_BYTES) {
      report.error(
        `${at}.gam_unit_path`,
        `renders to more than ${MAX_UNIT_PATH_BYTES} bytes ("${rendered.slice(0, 40)}…")`,
      );
    }
  });
});
