/** `[response_headers]`: header name → value, set on every response. */
import { isHeaderName } from '../field-kinds.ts';
import { map, str } from '../schema.ts';

export const responseHeaders = map(
  str({ nonEmpty: false }).check((value) =>
    /[\r\n\0]/.test(value) ? 'must not contain CR, LF or NUL' : undefined,
  ),
)
  .check((table) => {
    const bad = Object.keys(table).find((name) => !isHeaderName(name));
    return bad === undefined ? undefined : `"${bad}" is not a valid HTTP header name`;
  })
  .default(() => ({}));
