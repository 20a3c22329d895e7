/**
 * Consent as log fields: statuses only, never a consent string (raw strings can identify a
 * reader's choices across sites). What the lifecycle logs once per request.
 */
import type { ConsentContext, UsPrivacy } from './types.ts';

function jurisdictionLabel(ctx: ConsentContext): string {
  const jurisdiction = ctx.jurisdiction;
  return jurisdiction.kind === 'us-state' ? `us-${jurisdiction.region}` : jurisdiction.kind;
}

/** `absent | p1 | no-p1 | undecodable | expired`, or `not-decoded` in proxy mode. */
function tcfStatus(ctx: ConsentContext): string {
  const tcf = ctx.tcf ?? ctx.gpp?.euTcf;
  if (tcf !== undefined) return tcf.purposeConsents.has(1) ? 'p1' : 'no-p1';
  if (ctx.expired) return 'expired';
  if (ctx.undecodable.tc) return 'undecodable';
  if (ctx.mode === 'proxy' && ctx.raw.tc !== undefined) return 'not-decoded';
  return 'absent';
}

function gppStatus(ctx: ConsentContext): string {
  if (ctx.raw.gpp === undefined) return 'absent';
  if (ctx.mode === 'proxy') return 'not-decoded';
  if (ctx.gpp === undefined) return 'undecodable';
  if (ctx.gpp.sectionUndecodable) return 'section-undecodable';
  const optOut = ctx.gpp.usSaleOptOut;
  return optOut === undefined ? 'present' : optOut ? 'us-opted-out' : 'us-not-opted-out';
}

const OPT_OUT: Record<UsPrivacy['optOutSale'], string> = {
  yes: 'opted-out',
  no: 'not-opted-out',
  'not-applicable': 'not-applicable',
};

function uspStatus(ctx: ConsentContext): string {
  if (ctx.usp !== undefined) return `${OPT_OUT[ctx.usp.optOutSale]} (${ctx.uspSource ?? 'cookie'})`;
  if (ctx.undecodable.usp) return 'undecodable';
  if (ctx.mode === 'proxy' && ctx.raw.usp !== undefined) return 'not-decoded';
  return 'absent';
}

export function consentLogFields(ctx: ConsentContext): Record<string, string> {
  return {
    jurisdiction: jurisdictionLabel(ctx),
    gdpr_applies: String(ctx.gdprApplies),
    tcf: tcfStatus(ctx),
    gpp: gppStatus(ctx),
    usp: uspStatus(ctx),
    gpc: String(ctx.gpc),
  };
}
