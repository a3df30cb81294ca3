// The one retry shape every adapter takes, from core.
export type { RetryOptions } from '@presence-tracker/core/resilience';
export type { ClientCertificateAuth, ClientSecretAuth, DeviceCodeAuth, GraphAuth } from './auth.ts';
export { graphProvider, IDS_PER_REQUEST } from './graph-provider.ts';
export type { GraphProviderOptions } from './options.ts';
export {
  type GraphPluginOptions,
  graph,
  graph as default,
  graph as plugin,
  graphAuth,
  graphOptionsSchema,
} from './plugin.ts';
export { type GraphPresence, toStatus } from './presence.ts';
export {
  decryptResource,
  type GraphPushOptions,
  IDS_PER_SUBSCRIPTION,
  MAX_LIFETIME,
  presenceResource,
} from './push/index.ts';
export { BATCH_SIZE } from './users.ts';
