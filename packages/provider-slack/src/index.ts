export { sweepDuration } from './budget.ts';
export { toProviderError } from './errors.ts';
export {
  DOCUMENTED_LIMITS,
  METHODS,
  type SlackConfigOptions,
  type SlackMethod,
  type SlackProviderOptions,
  slackOptionsSchema,
} from './options.ts';
export { plugin as default, plugin, slack } from './plugin.ts';
export { type SlackProvider, slackProvider } from './slack-provider.ts';
export { type DndInfo, dndActive, type SlackReading, toStatus } from './status.ts';
