import { ConfigError, PresenceTrackerError, ProviderError, StoreError } from '@presence-tracker/core';
import { CommanderError } from 'commander';

/** The documented exit codes. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export function exitCodeFor(error: unknown): number {
  // Help and --version exit 0; a missing command, an unknown option or a bad value is bad usage.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  return ConfigError.isInstance(error) ? EXIT.usage : EXIT.failure;
}

interface Cause {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  cause?: unknown;
  errors?: unknown;
  statusCode?: unknown;
}

/** What the Microsoft sign-in library says when no HTTP answer came back at all. */
const MSAL_NETWORK = /endpoints_resolution_error|network_error|post_request_failed|no_network_connectivity/;

/** Every error in the chain: causes, and the parts of an AggregateError (as `pg` throws for each address tried). */
function chain(error: unknown): Cause[] {
  const seen: Cause[] = [];
  const visit = (e: unknown) => {
    if (typeof e !== 'object' || e === null || seen.includes(e as Cause) || seen.length > 20) return;
    seen.push(e as Cause);
    visit((e as Cause).cause);
    if (Array.isArray((e as Cause).errors)) for (const part of (e as Cause).errors as unknown[]) visit(part);
  };
  visit(error);
  return seen;
}

/** Postgres's SQLSTATE codes a person can act on. */
const POSTGRES_CODES: Record<string, string> = {
  '28P01':
    'the database refused the password: check the user and password (PG_USER, PG_PASSWORD or the connection string)',
  '28000': 'the database refused this user: check the user name and pg_hba.conf',
  '3D000': 'the database does not exist: create it, or check its name (PG_DB or the connection string)',
  '42501': 'the database user lacks a permission the store needs (creating its schema and tables)',
  '57P03': 'the database is starting up or shutting down: try again in a moment',
};

const NETWORK_CODES: Record<string, (c: Cause) => string> = {
  ECONNREFUSED: (c) =>
    `nothing answers at ${where(c)}: is the server running, and is this the right host and port?`,
  ENOTFOUND: (c) =>
    `the host name ${c.hostname ?? ''} does not resolve: check the address for typos`.replace('  ', ' '),
  EAI_AGAIN: () => 'the host name could not be resolved right now: check the network and DNS',
  ETIMEDOUT: (c) => `the connection to ${where(c)} timed out: a firewall or the wrong address?`,
  ECONNRESET: () => 'the server closed the connection: a proxy, TLS mismatch or server restart?',
  EHOSTUNREACH: (c) => `${where(c)} cannot be reached from this machine`,
  CERT_HAS_EXPIRED: () => "the server's TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: () =>
    "the server's TLS certificate is self-signed and not trusted (NODE_EXTRA_CA_CERTS)",
  SELF_SIGNED_CERT_IN_CHAIN: () => "the server's TLS certificate chain is not trusted (NODE_EXTRA_CA_CERTS)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: () =>
    "the server's TLS certificate cannot be verified (NODE_EXTRA_CA_CERTS)",
  EACCES: () => 'permission denied: the file or folder is not writable by this user',
  EROFS: () => 'the file system is read-only',
  SQLITE_CANTOPEN: () => 'the SQLite file cannot be opened: does its folder exist and is it writable?',
  SQLITE_READONLY: () => 'the SQLite file is read-only for this user',
  SQLITE_CORRUPT: () => 'the SQLite file is damaged or is not a SQLite database',
  SQLITE_NOTADB: () => 'the file is not a SQLite database',
};

function where(c: Cause): string {
  return c.address ? `${c.address}${c.port ? `:${c.port}` : ''}` : 'that address';
}

/**
 * The error's own message, followed by a hint in plain words where the cause is recognisable:
 * refused passwords and missing consent, unreachable servers, unwritable files.
 */
export function explain(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const hints: string[] = [];
  for (const c of chain(error)) {
    const code = typeof c.code === 'string' ? c.code : undefined;
    if (code && POSTGRES_CODES[code]) hints.push(POSTGRES_CODES[code]);
    else if (code && NETWORK_CODES[code]) hints.push(NETWORK_CODES[code](c));
    const text = typeof c.message === 'string' ? c.message : '';
    if (/AADSTS65001|consent/i.test(text)) {
      hints.push(
        'the app registration lacks consent: an administrator must grant consent for its Graph permissions',
      );
    } else if (/AADSTS7000215|invalid client secret/i.test(text)) {
      hints.push('the client secret is wrong or expired: create a new one in the app registration');
    } else if (/AADSTS700016/.test(text)) {
      hints.push('no application with this client id exists in the tenant: check clientId and tenantId');
    } else if (/AADSTS90002/.test(text)) {
      hints.push('the tenant does not exist: check tenantId');
    } else if (MSAL_NETWORK.test(text) || (c.code === 'CredentialUnavailableError' && c.statusCode === -1)) {
      // The sign-in library drops the socket error, so its own codes are all there is to go on.
      hints.push(
        'the sign-in service did not answer: check the network, a proxy, and the authority (tenantId or authority) for typos',
      );
    }
  }
  if (ProviderError.isInstance(error) && error.code === 'PROVIDER_AUTH' && hints.length === 0) {
    hints.push(
      error.status === 403
        ? 'the account is signed in but not allowed: missing permission or consent'
        : 'the platform refused the credentials: check the token, or the user name and password',
    );
  }
  if (StoreError.isInstance(error) && error.code === 'STORE_LOCKED' && hints.length === 0) {
    hints.push('another tracker is writing to this store: stop it first, or give this one its own store');
  }
  const unique = [...new Set(hints)].filter((h) => !message.includes(h));
  return unique.length === 0 ? message : `${message}\n  hint: ${unique.join('\n  hint: ')}`;
}

/** The kind of failure, for a heading. */
export function failureKind(error: unknown): string {
  if (ConfigError.isInstance(error)) return 'configuration';
  if (ProviderError.isInstance(error)) return `provider ${error.provider}`;
  if (StoreError.isInstance(error)) return `store ${error.store}`;
  if (PresenceTrackerError.isInstance(error)) return error.code.toLowerCase();
  return 'error';
}
