/**
 * The repository the edge builds run from: their entry modules, templates (wrangler.toml,
 * deploy/fastly/fastly.toml) and tools (node_modules/.bin/workerd, js-compute-runtime) are read
 * from here, whatever the caller's working directory.
 */
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
