import { definePlugin } from '@presence-tracker/core';
import { zoomOptionsSchema } from './options.ts';
import { zoomProvider } from './zoom-provider.ts';

/** The `zoom` provider for configuration files: secrets come as `{ "env": "NAME" }` references. */
export default definePlugin({
  kind: 'provider',
  name: 'zoom',
  description: 'Zoom presence through a Server-to-Server OAuth app',
  options: zoomOptionsSchema,
  create: (options, context) =>
    zoomProvider({
      ...options,
      clock: context.clock,
      logger: context.logger,
    }),
});
