import { createPrivateKey, X509Certificate } from 'node:crypto';
import { type ConfigIssue, isHttpsOrLoopback } from '@presence-tracker/core';

/** Graph keeps a presence subscription for at most an hour. */
export const MAX_LIFETIME = 3_600_000;

export interface GraphPushOptions {
  /** Where Graph sends change notifications: https, reaching the host's push endpoint. */
  notificationUrl: string;
  /**
   * A secret Graph repeats in every notification (at most 128 characters); a notification without
   * it is refused and logged, never applied. Never logged.
   */
  clientState: string;
  /** Where Graph sends lifecycle notifications. Default: none are asked for. */
  lifecycleNotificationUrl?: string;
  /**
   * For rich notifications: Graph encrypts each presence with this certificate's public key and the
   * provider decrypts it, so no request follows a notification. PEM text of the certificate and of
   * its private key; `id` is sent as `encryptionCertificateId`. Without it, the presences a
   * notification names are read, in batches.
   */
  certificate?: { certificate: string; privateKey: string; id?: string };
  /** How long each subscription is asked for, in ms, at most an hour. Default: 3,540,000 (59 min). */
  lifetime?: number;
  /** A subscription is renewed at the first poll this close to its expiry, in ms. Default: 900,000. */
  renewBefore?: number;
  /**
   * People covered by a live subscription are still read at least this often, in ms, so that a
   * notification Graph lost is found out. Between readings, polls confirm what was last heard without
   * a request. Default: 900,000 (15 min).
   */
  reconcileInterval?: number;
}

export interface ResolvedPush {
  notificationUrl: string;
  clientState: string;
  lifecycleNotificationUrl: string | undefined;
  certificate: { der: string; privateKey: string; id: string } | undefined;
  lifetime: number;
  renewBefore: number;
  reconcileInterval: number;
}

/** Checks `push`, adding every problem to `issues` with its path; values that are secrets never echoed. */
export function resolvePush(push: GraphPushOptions, issues: ConfigIssue[]): ResolvedPush | undefined {
  if (typeof push !== 'object' || push === null) {
    issues.push({ path: 'push', message: 'expected { notificationUrl, clientState, ... }' });
    return undefined;
  }
  const url = (path: string, value: unknown): string | undefined => {
    const parsed = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
    if (!parsed || !isHttpsOrLoopback(parsed)) {
      issues.push({
        path,
        message: 'expected an https:// address that reaches the push endpoint (http only on loopback)',
        received: value === undefined ? 'nothing' : JSON.stringify(value),
      });
      return undefined;
    }
    return parsed.href;
  };
  const notificationUrl = url('push.notificationUrl', push.notificationUrl);
  const lifecycleNotificationUrl =
    push.lifecycleNotificationUrl === undefined
      ? undefined
      : url('push.lifecycleNotificationUrl', push.lifecycleNotificationUrl);
  if (typeof push.clientState !== 'string' || push.clientState.length < 1 || push.clientState.length > 128)
    issues.push({ path: 'push.clientState', message: 'expected a secret string of 1 to 128 characters' });

  const duration = (path: string, value: unknown, fallback: number, max = Number.POSITIVE_INFINITY) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 1000 || value > max) {
      issues.push({
        path,
        message: `expected milliseconds from 1,000${Number.isFinite(max) ? ` to ${max.toLocaleString('en')}` : ''}`,
        received: JSON.stringify(value),
      });
      return fallback;
    }
    return value;
  };
  const lifetime = duration('push.lifetime', push.lifetime, MAX_LIFETIME - 60_000, MAX_LIFETIME);
  const renewBefore = duration('push.renewBefore', push.renewBefore, 900_000);
  if (renewBefore >= lifetime)
    issues.push({ path: 'push.renewBefore', message: 'expected less than push.lifetime' });
  const reconcileInterval = duration('push.reconcileInterval', push.reconcileInterval, 900_000);

  let certificate: ResolvedPush['certificate'];
  if (push.certificate !== undefined) {
    try {
      const x509 = new X509Certificate(push.certificate.certificate);
      createPrivateKey(push.certificate.privateKey);
      certificate = {
        der: x509.raw.toString('base64'),
        privateKey: push.certificate.privateKey,
        id: push.certificate.id ?? 'presence-tracker',
      };
    } catch {
      issues.push({
        path: 'push.certificate',
        message: 'expected { certificate, privateKey } as PEM text: an X.509 certificate and its private key',
      });
    }
  }
  if (!notificationUrl || typeof push.clientState !== 'string') return undefined;
  return {
    notificationUrl,
    clientState: push.clientState,
    lifecycleNotificationUrl,
    certificate,
    lifetime,
    renewBefore,
    reconcileInterval,
  };
}
