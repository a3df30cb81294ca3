import { generateKeyPairSync, type KeyObject } from 'node:crypto';

/** The fields of a service account key file (JSON) that signing in reads. */
export interface ServiceAccountKey {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  token_uri: string;
}

export interface TestServiceAccount {
  /** What the Cloud console's "Create key" downloads, with `token_uri` pointing wherever asked. */
  key: ServiceAccountKey;
  /** The public half, with which a token endpoint checks the assertion's signature. */
  publicKey: KeyObject;
}

/** A fresh RSA key pair in a service account key file's shape, for fake token endpoints. */
export function makeServiceAccount(
  options: { email?: string; tokenUri?: string; projectId?: string } = {},
): TestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const projectId = options.projectId ?? 'presence-tracker-test';
  return {
    key: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: 'test-key-1',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: options.email ?? `tracker@${projectId}.iam.gserviceaccount.com`,
      client_id: '100000000000000000001',
      token_uri: options.tokenUri ?? 'https://oauth2.googleapis.com/token',
    },
    publicKey,
  };
}
