// A notifier plugin as a package would ship it: each event the tracker reports, one JSON line in a file.
import { appendFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { definePlugin } from '@presence-tracker/core';
import { z } from 'zod';

const logNotifier = definePlugin({
  kind: 'notifier',
  name: 'event-log',
  options: z.strictObject({
    file: z.string().min(1),
    events: z.array(z.string().min(1)).optional(),
  }),
  create({ file, events }, { baseDir, name }) {
    const path = isAbsolute(file) ? file : resolve(baseDir, file);
    return {
      name,
      ...(events && { events }),
      async deliver(event) {
        await appendFile(path, `${JSON.stringify({ notifier: name, type: event.type })}\n`);
      },
    };
  },
});

// A list, as a package that brings several plugins exports them.
export default [logNotifier];
