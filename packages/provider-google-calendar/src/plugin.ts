import { isAbsolute, resolve } from 'node:path';
import { definePlugin } from '@presence-tracker/core';
import { googleCalendarProvider } from './calendar-provider.ts';
import { googleCalendarOptionsSchema } from './options.ts';

/**
 * The `google-calendar` provider for configuration files: the key comes as `{ "env": "NAME" }` holding
 * its JSON, or as `keyFile`, a path from the configuration's folder.
 */
export default definePlugin({
  kind: 'provider',
  name: 'google-calendar',
  description: 'Busy, free and out of office from Google Calendar',
  options: googleCalendarOptionsSchema,
  create: (options, context) =>
    googleCalendarProvider({
      ...options,
      ...(options.keyFile !== undefined
        ? {
            keyFile: isAbsolute(options.keyFile)
              ? options.keyFile
              : resolve(context.baseDir, options.keyFile),
          }
        : {}),
      clock: context.clock,
      logger: context.logger,
    }),
});
