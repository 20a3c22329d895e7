/** `[[handlers]]`: basic-auth gates in front of paths. */
import { array, bool, object, regex, secret, str } from '../schema.ts';

const handler = object({
  path: regex(),
  /** Match `path` case-sensitively (default: `/SECURE` is `/secure`, as many origins read it). */
  case_sensitive: bool().default(false),
  username: str(),
  password: secret(),
});

export const handlers = array(handler).default(() => []);
