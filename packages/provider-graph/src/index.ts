export type { ClientCertificateAuth, ClientSecretAuth, DeviceCodeAuth, GraphAuth } from './auth.ts';
export { graphProvider, IDS_PER_REQUEST } from './graph-provider.ts';
export type { RetryOptions } from './middleware.ts';
export type { GraphProviderOptions } from './options.ts';
export { type GraphPresence, toStatus } from './presence.ts';
export { BATCH_SIZE } from './users.ts';
