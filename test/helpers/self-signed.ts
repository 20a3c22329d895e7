/**
 * A self-signed certificate for a loopback test (`openssl`, which CI installs): for the server's
 * own HTTPS, a partner or third party served over TLS, or a browser test under a real host name.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface CertificateFiles {
  /** PEM paths, inside the directory given. */
  cert: string;
  key: string;
}

/**
 * Writes `cert.pem` and `key.pem` (P-256, valid two days) into `dir` for `name`: a DNS name, or an
 * IP address (`127.0.0.1`), which goes into the subjectAltName as such. Throws when openssl cannot
 * run: callers that can do without skip on it.
 */
export function makeSelfSignedCertificate(dir: string, name: string): CertificateFiles {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const altName = /^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`;
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
      .concat(['-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${altName}`])
      .concat(['-keyout', key, '-out', cert]),
    { stdio: 'ignore' },
  );
  return { cert, key };
}
