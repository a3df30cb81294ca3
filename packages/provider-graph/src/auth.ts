import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type AuthenticationRecord,
  ClientCertificateCredential,
  ClientSecretCredential,
  DeviceCodeCredential,
  type DeviceCodeInfo,
  deserializeAuthenticationRecord,
  type GetTokenOptions,
  serializeAuthenticationRecord,
  type TokenCredential,
} from '@azure/identity';
import { ProviderError } from '@presence-tracker/core';
import { PROVIDER } from './errors.ts';
import { persistTokenCache, writePrivate } from './token-cache.ts';

interface AuthorityOptions {
  /** The Entra ID sign-in host, for national clouds. Default: `https://login.microsoftonline.com`. */
  authorityHost?: string;
  /** Skips the authority check against Microsoft's list, for private clouds and tests. Default: false. */
  disableInstanceDiscovery?: boolean;
}

/** App-only access with a client secret. */
export interface ClientSecretAuth extends AuthorityOptions {
  mode: 'clientSecret';
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/** App-only access with a certificate: a PEM file holding the certificate and its private key. */
export interface ClientCertificateAuth extends AuthorityOptions {
  mode: 'clientCertificate';
  tenantId: string;
  clientId: string;
  certificatePath: string;
  certificatePassword?: string;
}

/** A person signs in once with a device code; their tokens are kept so a restart does not ask again. */
export interface DeviceCodeAuth extends AuthorityOptions {
  mode: 'deviceCode';
  clientId: string;
  /** Default: `organizations` (any work or school account). */
  tenantId?: string;
  /** The account expected to sign in (the params.json `login_username`); another account is refused. */
  loginHint?: string;
  /** Where the token cache and the account record are kept, or `false` to keep nothing. Default: `~/.presence-tracker/graph`. */
  tokenCacheDir?: string | false;
  /** Shows the sign-in instructions. Default: writes them to standard error. */
  onDeviceCode?: (info: DeviceCodeInfo) => void;
}

export type GraphAuth = ClientSecretAuth | ClientCertificateAuth | DeviceCodeAuth;

/** The scopes each mode needs when none are given, for Graph at `baseUrl`. */
export function defaultScopes(auth: GraphAuth | undefined, baseUrl: string): string[] {
  if (auth?.mode === 'deviceCode') return [`${baseUrl}/Presence.Read.All`, `${baseUrl}/User.ReadBasic.All`];
  return [`${baseUrl}/.default`];
}

export function credentialFor(auth: GraphAuth): TokenCredential {
  const authority = {
    ...(auth.authorityHost ? { authorityHost: auth.authorityHost } : {}),
    ...(auth.disableInstanceDiscovery ? { disableInstanceDiscovery: true } : {}),
  };
  switch (auth.mode) {
    case 'clientSecret':
      return new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, authority);
    case 'clientCertificate':
      return new ClientCertificateCredential(
        auth.tenantId,
        auth.clientId,
        {
          certificatePath: auth.certificatePath,
          ...(auth.certificatePassword ? { certificatePassword: auth.certificatePassword } : {}),
        },
        authority,
      );
    case 'deviceCode':
      return new RememberedDeviceCodeCredential(auth, authority);
    default: {
      const unknown: never = auth;
      throw new Error(`unknown auth mode ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * A device-code credential that remembers who signed in. The token cache file holds the refresh
 * token; the account record file tells @azure/identity which cached account to use, so the next start
 * signs in silently. Both are needed: the cache alone is not looked up without the account.
 */
class RememberedDeviceCodeCredential implements TokenCredential {
  readonly #auth: DeviceCodeAuth;
  readonly #authority: AuthorityOptions;
  readonly #files: { cache: string; record: string; name: string } | undefined;
  #ready: Promise<DeviceCodeCredential> | undefined;

  constructor(auth: DeviceCodeAuth, authority: AuthorityOptions) {
    this.#auth = auth;
    this.#authority = authority;
    const dir =
      auth.tokenCacheDir === false
        ? undefined
        : (auth.tokenCacheDir ?? join(homedir(), '.presence-tracker', 'graph'));
    if (dir) {
      const id = createHash('sha256')
        .update(
          [auth.authorityHost ?? '', auth.tenantId ?? '', auth.clientId, auth.loginHint ?? ''].join('\n'),
        )
        .digest('hex')
        .slice(0, 16);
      const name = `presence-tracker-${id}`;
      this.#files = {
        name,
        cache: join(dir, `${name}.tokens.json`),
        record: join(dir, `${name}.account.json`),
      };
    }
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions) {
    if (!this.#ready) {
      this.#ready = this.#start(scopes).catch((error) => {
        // Forgotten so that the next poll can try the sign-in again.
        this.#ready = undefined;
        throw error;
      });
    }
    const credential = await this.#ready;
    return credential.getToken(scopes, options);
  }

  async #start(scopes: string | string[]): Promise<DeviceCodeCredential> {
    const files = this.#files;
    let record: AuthenticationRecord | undefined;
    if (files) {
      persistTokenCache(files.name, files.cache);
      record = await readFile(files.record, 'utf8').then(deserializeAuthenticationRecord, () => undefined);
      if (record && !this.#sameAccount(record)) record = undefined;
    }
    const credential = new DeviceCodeCredential({
      clientId: this.#auth.clientId,
      tenantId: this.#auth.tenantId ?? 'organizations',
      ...this.#authority,
      userPromptCallback: this.#auth.onDeviceCode ?? ((info) => process.stderr.write(`${info.message}\n`)),
      ...(record ? { authenticationRecord: record } : {}),
      ...(files ? { tokenCachePersistenceOptions: { enabled: true, name: files.name } } : {}),
    });
    if (!record) {
      // Signs the person in now, so the account can be checked against the hint and remembered.
      const signedIn = await credential.authenticate(scopes);
      if (signedIn && !this.#sameAccount(signedIn)) {
        throw new ProviderError(
          PROVIDER,
          `signed in as ${signedIn.username}, but loginHint names ${this.#auth.loginHint}: sign in with that account`,
          { code: 'PROVIDER_AUTH' },
        );
      }
      if (signedIn && files) await writePrivate(files.record, serializeAuthenticationRecord(signedIn));
    }
    return credential;
  }

  #sameAccount(record: AuthenticationRecord): boolean {
    const hint = this.#auth.loginHint;
    return !hint || record.username.toLowerCase() === hint.toLowerCase();
  }
}
