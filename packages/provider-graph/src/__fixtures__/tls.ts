import { readFileSync } from 'node:fs';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';

const here = import.meta.dirname;

/** The self-signed certificate for 127.0.0.1 and localhost that the fake servers present. */
export const testCertificate = {
  cert: readFileSync(`${here}/tls/cert.pem`, 'utf8'),
  key: readFileSync(`${here}/tls/key.pem`, 'utf8'),
  /** Certificate and private key in one PEM file, as ClientCertificateCredential reads it. */
  combinedPath: `${here}/tls/combined.pem`,
};

let trusted = false;

/**
 * Makes this process trust the test certificate for every TLS client that uses the default CA list:
 * the global fetch the Graph client calls and the node:https client @azure/identity uses.
 */
export function trustTestCertificate(): void {
  if (trusted) return;
  setDefaultCACertificates([...getCACertificates('default'), testCertificate.cert]);
  trusted = true;
}
