/**
 * The four consent decisions, as upstream makes them (its `consent/mod.rs`), with one deliberate
 * difference: a consent string that was sent but could not be decoded fails closed. It blocks a
 * new Edge Cookie in a regulated jurisdiction (upstream, with its lenient reader, would have used
 * whatever the other signals said), and it is never read as a withdrawal either, so an existing
 * cookie is not expired because of a string nobody can read.
 */
import type { ConsentContext, TcfConsent } from './types.ts';

const STORAGE = 1;
const PERSONALISED_ADS = 4;

/** The TCF the decisions read: the standalone string (after conflict resolution), else GPP's. */
export function effectiveTcf(ctx: ConsentContext): TcfConsent | undefined {
  return ctx.tcf ?? ctx.gpp?.euTcf;
}

const hasStorageConsent = (tcf: TcfConsent) => tcf.purposeConsents.has(STORAGE);

function anyUndecodable(ctx: ConsentContext): boolean {
  return ctx.undecodable.tc || ctx.undecodable.gpp || ctx.undecodable.usp;
}

/** An explicit US opt-out: GPC, a GPP US section, or the US Privacy string. */
function usOptedOut(ctx: ConsentContext): boolean {
  return ctx.gpc || ctx.gpp?.usSaleOptOut === true || ctx.usp?.optOutSale === 'yes';
}

/**
 * May a new Edge Cookie be created? GDPR: only with TCF purpose 1. A US privacy state: not after
 * any opt-out; then TCF purpose 1 if a TCF is present; then a GPP US section or US Privacy string
 * that says "not opted out"; with no signal at all, no. Non-regulated: yes. Unknown: no.
 */
export function allowsEcCreation(ctx: ConsentContext): boolean {
  switch (ctx.jurisdiction.kind) {
    case 'non-regulated':
      return true;
    case 'unknown':
      return false;
    case 'gdpr': {
      if (anyUndecodable(ctx)) return false;
      const tcf = effectiveTcf(ctx);
      return tcf !== undefined && hasStorageConsent(tcf);
    }
    case 'us-state': {
      if (anyUndecodable(ctx) || usOptedOut(ctx)) return false;
      const tcf = effectiveTcf(ctx);
      if (tcf !== undefined) return hasStorageConsent(tcf);
      // Reaching here, neither says "opted out": either one present is a "not opted out".
      return ctx.gpp?.usSaleOptOut !== undefined || ctx.usp !== undefined;
    }
  }
}

/**
 * Did the user explicitly withdraw (so an existing Edge Cookie is expired and tombstoned)?
 * Narrower than "creation is not allowed": missing geo, missing signals and undecodable strings
 * block creation but withdraw nothing.
 */
export function hasExplicitEcWithdrawal(ctx: ConsentContext): boolean {
  const tcf = effectiveTcf(ctx);
  switch (ctx.jurisdiction.kind) {
    case 'gdpr':
      return tcf !== undefined && !hasStorageConsent(tcf);
    case 'us-state':
      return usOptedOut(ctx) || (tcf !== undefined && !hasStorageConsent(tcf));
    default:
      return false;
  }
}

/**
 * May a server-side auction run? Where GDPR may apply (a TCF signal was sent, or the geo is GDPR
 * or unknown) only with TCF purpose 1; elsewhere always. So a Node deployment without geo runs no
 * auction unless the request carries a TC string with purpose 1.
 */
export function consentAllowsServerSideAuction(ctx: ConsentContext): boolean {
  const kind = ctx.jurisdiction.kind;
  if (!ctx.gdprApplies && kind !== 'gdpr' && kind !== 'unknown') return true;
  const tcf = effectiveTcf(ctx);
  return tcf !== undefined && hasStorageConsent(tcf);
}

/**
 * The EIDs that may go into a bid request: all of them with TCF purposes 1 and 4; none with a
 * TCF lacking either, or with no TCF where GDPR applies; otherwise all of them.
 */
export function gateEidsByConsent<T>(eids: readonly T[], ctx: ConsentContext): T[] {
  if (eids.length === 0) return [];
  const tcf = effectiveTcf(ctx);
  if (tcf !== undefined) {
    const allowed = hasStorageConsent(tcf) && tcf.purposeConsents.has(PERSONALISED_ADS);
    return allowed ? [...eids] : [];
  }
  return ctx.gdprApplies ? [] : [...eids];
}
