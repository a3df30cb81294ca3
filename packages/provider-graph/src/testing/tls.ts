import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';

// A self-signed certificate for 127.0.0.1 and localhost, for tests only. Kept in the source rather
// than in files so that the built `/testing` entry carries it too.
const CERT = `-----BEGIN CERTIFICATE-----
MIIDJzCCAg+gAwIBAgIURS7BrCcT6g/SIB04b+ryOltze6wwDQYJKoZIhvcNAQEL
BQAwFDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNDEzMTAzN1oYDzIxMjYx
MDMxMTMxMDM3WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwggEiMA0GCSqGSIb3DQEB
AQUAA4IBDwAwggEKAoIBAQDeTrPhznedM8HSLDgMpJMA/BmY80qLnopLeN3LdSJf
kqPDiL3x/Qv/IOeZ/tD1SKU2NzBIMAjA75v1OYaEiwm7iO8YI1qPL3HmnQFr4qIz
WsZtilGftfQmpLvkjLDR3w8Fy5E6ak/iikwYUr+bVKpkkmz9kSrZccqi2jWdX1rd
sxOHMeJR59s4u3Hl7fwTBcU7dRmRynoI7NYA0EaBweQYSvIVqXmEDWHnAJ4COnkH
q826XSlMKzOzhcXR+j4kNWXwbbjHbYYpSkCkjcg3N1UpTt880WoZIbh66u6aqylL
7Y9LSHTTwwKVt8EL1ak8So/AyuKWLDmI+hsJOAJ1y06DAgMBAAGjbzBtMB0GA1Ud
DgQWBBTh0dn/JNc2tRD179214SZceAXBmjAfBgNVHSMEGDAWgBTh0dn/JNc2tRD1
79214SZceAXBmjAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGHBH8AAAGCCWxv
Y2FsaG9zdDANBgkqhkiG9w0BAQsFAAOCAQEAcu2JmA0i7bmzvqSFgFmvnCnwT0rp
L7mR1ZGm+EcZxhsGmzWhCdIy2rMuznFrTYhEdBR1MrMcEP0ntCiAf4TaJ+Z9F7ec
YzU6qtnH3wG9naKvsKbFlX4kdApTp/5sMBxO2jB1Vv7pXEN48ZxlC1ZAh6wfXHKk
Ft2PkhxeqxvKxtbDkMtSBDVrXAc0CsCllah+e/VD14yPkx9LkhRdEwHMkrK7TgMg
Tkk74W2eP+WGctIEr+vO4X41TNvEVE2skoWAOoRATS0a8we6XLzBX3Yg6EngxhXf
/BODbLuQRH08/TU3h98CeZnNNrf5RDR9ZeyXa4w7Y0gQwxrmXXRD6zBJ0A==
-----END CERTIFICATE-----
`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDeTrPhznedM8HS
LDgMpJMA/BmY80qLnopLeN3LdSJfkqPDiL3x/Qv/IOeZ/tD1SKU2NzBIMAjA75v1
OYaEiwm7iO8YI1qPL3HmnQFr4qIzWsZtilGftfQmpLvkjLDR3w8Fy5E6ak/iikwY
Ur+bVKpkkmz9kSrZccqi2jWdX1rdsxOHMeJR59s4u3Hl7fwTBcU7dRmRynoI7NYA
0EaBweQYSvIVqXmEDWHnAJ4COnkHq826XSlMKzOzhcXR+j4kNWXwbbjHbYYpSkCk
jcg3N1UpTt880WoZIbh66u6aqylL7Y9LSHTTwwKVt8EL1ak8So/AyuKWLDmI+hsJ
OAJ1y06DAgMBAAECggEAOw36MA56bPq+TrgrbYRcfsL5g82BbISBpVnmxXEI4A2i
zkMpfjqj8LLLg3eTB820Aap4e3yzHpmoOuT8rIII5FYUebuOh4HphoMHySKLxwui
sZ+wXjZmNMvHFAghwqa4JWh13Gg4b2wgmceFmdxMZWoWZOem09usIkXIP1WA3GqC
j4WBHBwsjKAzy+ZL2o++E7YSODc5OUrF9GFShw4m6Ehx4+Ru0aC8gkMHcbQCTt/M
GEay/8hlTM5rD80wUEggXjn8mTkT6qMCWyrF8t2eLEDRenIOL60ZCoFK+j/sM460
rNDYNvqcTtlU0VH/CSBsqS9nVq7rDoDctLEQYudmvQKBgQDyIijGbonZvFD/WHSS
9nmQjZypN6sNkLsjFvIOZMmKkXPBk7jj9yADoQheWWbQ067azQ4CUPe+5EO/D8Lb
+4ZZHnTHQaKJaTzh9eu0Wq5qp0zUNXU1+mkiZvaXh3d8Q4LESddCFCXllE8USUNZ
V71AkXTqnMeksCzEnqnhDd1LzQKBgQDrCeF2nw2Ax4m5r0lBsMaw/DgI21NgQdEG
8NlB+1SmsK1pP2swKyuNU/9TbwuyN/izIyVUCzdDeP9XyQN3k53bsbozkLkkJeej
TlaJzDvZPToukOCSlh5LfL3ysX28hkSaCBaf7O22YfFQpeo7rBCWgCxpvhXdNZ5r
XpisLITTjwKBgHuj18Bjx35oe8+3omc89pxKw5lg9LaLlhN37whMjOF2Hm7VeM7n
bPCNdRGAg1DVFu9hT+r831UZiEJy0OS1zkeJlsX8jPuvwkf75G0G9RM+9KtT1NNI
WBEaFIcRxICulIKY1hNG6IcPsUXBl2Nyuw/SdqoqfoNo9qM8BbEG/F5tAoGBAKrV
Ca0AOf5KCc6Omv5GEIR/LfMyBs3FyLn0wNR2aralX8VJtQzTs9oLHV91LNkiWX9K
ok0NweMmxOD3V6/H+Uq/SQlFvWuKqWxG+hs5+J4TJIDICJJCzk4ropwNachnBuG1
00v2F2kikxT9ItywWXYqPx20bYvU9wovPWSXDwv9AoGBAI+yyLorJNyrBKPYKEgB
pfNR+AsZL9sYjyRE+idiVQIndd068LxwKTx58ajddwoTC9pN+95dxJHwo+jMpYXs
1MfOzfhE6k1EGR/1e41NavW+wxHxb3l9lq3hnlYxM10V5PTQJ2+/FcNyG2W/bSxy
oNqdqBSEqm/DStOuKSP5RfF8
-----END PRIVATE KEY-----
`;

let files: { certPath: string; combinedPath: string } | undefined;

/** The PEMs written once per process to a fresh temporary folder, removed when the process exits. */
function pemFiles(): { certPath: string; combinedPath: string } {
  if (files) return files;
  const dir = mkdtempSync(join(tmpdir(), 'presence-tracker-tls-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const certPath = join(dir, 'cert.pem');
  const combinedPath = join(dir, 'combined.pem');
  writeFileSync(certPath, CERT);
  writeFileSync(combinedPath, CERT + KEY);
  files = { certPath, combinedPath };
  return files;
}

/** The self-signed certificate for 127.0.0.1 and localhost that the fake servers present. */
export const testCertificate = {
  cert: CERT,
  key: KEY,
  /** The certificate as a file, e.g. for a child process's `NODE_EXTRA_CA_CERTS`. */
  get certPath(): string {
    return pemFiles().certPath;
  },
  /** Certificate and private key in one PEM file, as ClientCertificateCredential reads it. */
  get combinedPath(): string {
    return pemFiles().combinedPath;
  },
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
