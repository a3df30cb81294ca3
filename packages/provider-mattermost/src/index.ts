export type { ChannelGroup, TeamGroup } from './directory.ts';
export { type MattermostProvider, mattermostProvider } from './mattermost-provider.ts';
export type {
  MattermostAuth,
  MattermostPasswordAuth,
  MattermostProviderOptions,
  MattermostTokenAuth,
} from './options.ts';
export {
  type MattermostPluginOptions,
  mattermost,
  mattermost as default,
  mattermost as plugin,
  mattermostOptionsSchema,
} from './plugin.ts';
export { STATUS_MAP } from './status.ts';
