/**
 * A request path as log lines may carry it. Paths are logged without their query (queries carry
 * tokens), but one path carries an identifier itself: `/_ts/admin/ec/{id}` names a reader's full
 * Edge Cookie ID, which no log line may hold. Its ID is cut to the log form (`a1b2c3d4…`), so an
 * operator can still tell lookups apart.
 */
import { ecLogId } from '../identity/ec-id.ts';

const ADMIN_EC_PREFIX = '/_ts/admin/ec/';

export function loggablePath(path: string): string {
  // Any case: `/_TS/ADMIN/EC/{id}` reaches the same handler, and its line must not hold the ID.
  if (path.length <= ADMIN_EC_PREFIX.length) return path;
  const prefix = path.slice(0, ADMIN_EC_PREFIX.length);
  if (prefix.toLowerCase() !== ADMIN_EC_PREFIX) return path;
  return `${prefix}${ecLogId(path.slice(ADMIN_EC_PREFIX.length))}`;
}
