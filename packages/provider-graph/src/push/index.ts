export { decryptResource, type EncryptedContent } from './decrypt.ts';
export {
  type GraphPushOptions,
  MAX_LIFETIME,
  type ResolvedPush,
  resolvePush,
} from './options.ts';
export { GraphPush } from './push.ts';
export { IDS_PER_SUBSCRIPTION, idsOfResource, presenceResource, SubscriptionApi } from './subscriptions.ts';
