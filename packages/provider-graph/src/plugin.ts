import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { definePlugin } from '@presence-tracker/core';
import { retryOptionsSchema } from '@presence-tracker/core/resilience';
import { z } from 'zod';
import type { GraphAuth } from './auth.ts';
import { graphProvider } from './graph-provider.ts';
import type { GraphPushOptions } from './push/index.ts';

const text = z.string().min(1);
const httpsUrl = z.url({ protocol: /^https?$/, error: 'expected a URL such as https://example.com' });

export const graphOptionsSchema = z
  .strictObject({
    /** Application (client) id of the app registration. */
    clientId: text,
    /** Directory (tenant) id or domain; needed for app-only sign-in. */
    tenantId: text.optional(),
    /** App-only sign-in with a client secret. */
    clientSecret: text.optional(),
    /** App-only sign-in with a certificate (PEM file with its key); relative to the configuration file. */
    certificatePath: text.optional(),
    /** Delegated sign-in by device code: the account expected to sign in. */
    loginHint: text.optional(),
    /** Sign-in authority, e.g. https://login.microsoftonline.com/organizations; its path is the tenant. */
    authority: httpsUrl.optional(),
    /** Where device-code sign-in keeps its tokens; relative to the configuration file. */
    tokenCacheDir: text.optional(),
    /** Skip checking the authority against Microsoft's list, for private clouds and tests. */
    disableInstanceDiscovery: z.boolean().optional(),
    /** Graph's address, for national clouds and tests. Default: https://graph.microsoft.com. */
    baseUrl: httpsUrl.optional(),
    /** The token's scopes. Default: what the sign-in mode needs. */
    scopes: z.array(text).optional(),
    /** Requests in flight at once. Default: 4. */
    concurrency: z.number().int().min(1).optional(),
    /** The most presence requests started in any window. Default: 1,200 per 30,000 ms. */
    budget: z
      .strictObject({ requests: z.number().int().min(1).optional(), perMs: z.number().min(1).optional() })
      .optional(),
    /** Retries of throttled and unavailable requests, in core's one shape `{ attempts, baseDelay, maxDelay }`. */
    retry: retryOptionsSchema.optional(),
    /** How long one attempt may take, in ms. Default: 30,000. */
    timeout: z.number().int().min(1).optional(),
    /** Change notifications; the command hosts the endpoint at `push.listen`. */
    push: z
      .strictObject({
        notificationUrl: z.url({ protocol: /^https?$/, error: 'expected an https:// address' }),
        clientState: z.string().min(1).max(128, 'expected at most 128 characters'),
        lifecycleNotificationUrl: z
          .url({ protocol: /^https?$/, error: 'expected an https:// address' })
          .optional(),
        /** PEM files for rich notifications; relative to the configuration file. */
        certificatePath: text.optional(),
        privateKeyPath: text.optional(),
        certificateId: text.optional(),
        lifetime: z.number().int().min(1000).max(3_600_000).optional(),
        renewBefore: z.number().int().min(1000).optional(),
        reconcileInterval: z.number().int().min(1000).optional(),
      })
      .refine((p) => (p.certificatePath === undefined) === (p.privateKeyPath === undefined), {
        path: ['privateKeyPath'],
        message: 'expected certificatePath and privateKeyPath together',
      })
      .optional(),
  })
  .superRefine((o, ctx) => {
    if (o.clientSecret !== undefined && o.certificatePath !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['certificatePath'],
        message: 'expected clientSecret or certificatePath, not both',
      });
    }
    const appOnly = o.clientSecret !== undefined || o.certificatePath !== undefined;
    if (appOnly && o.tenantId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tenantId'],
        message: 'expected the tenant id for app-only sign-in',
      });
    }
  });

export type GraphPluginOptions = z.output<typeof graphOptionsSchema>;

const MICROSOFT_AUTHORITIES = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

/**
 * The sign-in the options ask for: a client secret or certificate means app-only access; otherwise a
 * person signs in with a device code. An `authority` such as `https://login.microsoftonline.com/common`
 * (the params.json field) is a host and a tenant.
 */
export function graphAuth(options: GraphPluginOptions): GraphAuth {
  const authority = options.authority === undefined ? undefined : new URL(options.authority);
  const authorityTenant = authority?.pathname.split('/').find(Boolean);
  const tenantId = options.tenantId ?? authorityTenant;
  // Microsoft's list of sign-in hosts knows only its own, so checking any other host cannot succeed.
  const foreign = authority !== undefined && !MICROSOFT_AUTHORITIES.has(authority.hostname);
  const host = {
    ...(authority && { authorityHost: authority.origin }),
    ...((options.disableInstanceDiscovery || foreign) && { disableInstanceDiscovery: true }),
  };
  if (options.clientSecret !== undefined) {
    return {
      mode: 'clientSecret',
      tenantId: tenantId ?? '',
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      ...host,
    };
  }
  if (options.certificatePath !== undefined) {
    return {
      mode: 'clientCertificate',
      tenantId: tenantId ?? '',
      clientId: options.clientId,
      certificatePath: options.certificatePath,
      ...host,
    };
  }
  return {
    mode: 'deviceCode',
    clientId: options.clientId,
    ...(tenantId !== undefined && { tenantId }),
    ...(options.loginHint !== undefined && { loginHint: options.loginHint }),
    ...(options.tokenCacheDir !== undefined && { tokenCacheDir: options.tokenCacheDir }),
    ...host,
  };
}

/** `{ "type": "graph", "clientId": ..., ... }` in a configuration. */
export const graph = definePlugin({
  kind: 'provider',
  name: 'graph',
  description: 'Microsoft Teams presence through Microsoft Graph',
  options: graphOptionsSchema,
  async create(options, context) {
    const at = (path: string | undefined) =>
      path === undefined || isAbsolute(path) ? path : resolve(context.baseDir, path);
    const certificatePath = at(options.certificatePath);
    const tokenCacheDir = at(options.tokenCacheDir);
    const auth = graphAuth({
      ...options,
      ...(certificatePath !== undefined && { certificatePath }),
      ...(tokenCacheDir !== undefined && { tokenCacheDir }),
    });
    return graphProvider({
      auth,
      ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl }),
      ...(options.scopes !== undefined && { scopes: options.scopes }),
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
      ...(options.budget !== undefined && { budget: options.budget }),
      ...(options.retry !== undefined && { retry: options.retry }),
      ...(options.timeout !== undefined && { timeout: options.timeout }),
      ...(options.push && { push: await pushOptions(options.push, at) }),
      clock: context.clock,
      logger: context.logger,
    });
  },
});

async function pushOptions(
  push: NonNullable<GraphPluginOptions['push']>,
  at: (path: string | undefined) => string | undefined,
): Promise<GraphPushOptions> {
  const { certificatePath, privateKeyPath, certificateId, ...rest } = push;
  if (certificatePath === undefined || privateKeyPath === undefined) return rest;
  const read = (path: string) => readFile(at(path)!, 'utf8');
  return {
    ...rest,
    certificate: {
      certificate: await read(certificatePath),
      privateKey: await read(privateKeyPath),
      ...(certificateId !== undefined && { id: certificateId }),
    },
  };
}

export default graph;
