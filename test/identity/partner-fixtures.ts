/** Partner configuration shared by the identity tests. */
import { testSettings } from '../helpers/settings.ts';

export const TOKEN_A = 'partner-a-token-0123456789abcdef0123';
export const TOKEN_B = 'partner-b-token-0123456789abcdef0123';

/** `[ec]` with two partners: `ssp.example` (in the bidstream, atype 1) and `Sync.Example.`. */
export function partnerSettings(extra = '') {
  return testSettings(
    undefined,
    `
[[ec.partners]]
name = "SSP"
source_domain = "ssp.example"
api_token = "${TOKEN_A}"
bidstream_enabled = true
openrtb_atype = 1

[[ec.partners]]
name = "Sync"
source_domain = "Sync.Example."
api_token = "${TOKEN_B}"
${extra}`,
  );
}
