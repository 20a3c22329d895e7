/**
 * The dynamic backend for an upstream request: where to connect, which `Host` and TLS name to
 * present, and the `[proxy]` timeouts. Pure; the runtime passes the result to `new Backend(…)`.
 */
import type { OriginFetchOptions } from '../core/services.ts';

/** The subset of `fastly:backend`'s `BackendConfiguration` this adapter sets. */
export interface BackendConfig {
  /** Stable per configuration, so Fastly can pool connections across sandboxes. */
  name: string;
  target: string;
  hostOverride: string;
  useSSL: boolean;
  sniHostname?: string;
  certificateHostname?: string;
  connectTimeout: number;
  firstByteTimeout: number;
  betweenBytesTimeout: number;
  tlsMinVersion?: 1.2;
}

export function backendConfigFor(
  url: URL,
  options: OriginFetchOptions,
  /** `ts_origin` for the publisher's origin, `ts_upstream` for third parties. */
  prefix = 'ts_origin',
): BackendConfig {
  const https = url.protocol === 'https:';
  const port = url.port || (https ? '443' : '80');
  const { connectMs, firstByteMs, betweenBytesMs } = options.timeouts;
  const config: Omit<BackendConfig, 'name'> & { name?: string } = {
    // `proxy.origin_address` connects elsewhere; the origin's own name stays in Host and TLS.
    target: options.connectAddress ?? `${url.hostname}:${port}`,
    hostOverride: url.host,
    useSSL: https,
    connectTimeout: connectMs,
    firstByteTimeout: firstByteMs,
    betweenBytesTimeout: betweenBytesMs,
  };
  if (https) {
    config.tlsMinVersion = 1.2;
    const literal = url.hostname.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(url.hostname);
    // SNI and a certificate name only make sense for DNS names. Fastly always checks the chain;
    // `proxy.certificate_check = false` is refused at build time for that reason.
    if (!literal) {
      config.sniHostname = url.hostname;
      if (options.verifyCertificate) config.certificateHostname = url.hostname;
    }
  }
  // Fastly pools connections between backends registered with the same name and settings, so
  // the name is derived from the settings (an auto-generated one differs in every sandbox).
  return { ...config, name: `${prefix}_${fnv1a(JSON.stringify(config))}` };
}

/** 32-bit FNV-1a, hex: a short stable digest for backend names (not security-relevant). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
