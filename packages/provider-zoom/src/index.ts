export { type Category, type CategoryLimit, PLAN_LIMITS, type Plan } from './limits.ts';
export { type ZoomConfigOptions, type ZoomProviderOptions, zoomOptionsSchema } from './options.ts';
export { default, default as plugin, default as zoom } from './plugin.ts';
export { encryptedToken, PRESENCE_EVENT, VALIDATION_EVENT, zoomSignature } from './push.ts';
export { STATUS_MAP } from './status.ts';
export { type ZoomProvider, zoomProvider } from './zoom-provider.ts';
