// plugins/acme.mjs: presence from Acme Chat's status API, as a presence-tracker provider plugin.
import { definePlugin, ProviderError } from '@presence-tracker/core';
import { z } from 'zod';

// Acme's words for a status, in presence-tracker's; anything else is `unknown`.
const STATUS = { online: 'available', busy: 'busy', dnd: 'dnd', idle: 'away', offline: 'offline' };

export default definePlugin({
  kind: 'provider',
  name: 'acme',
  options: z.strictObject({
    url: z.url({ protocol: /^https?$/ }),
    token: z.string().min(1),
    region: z.enum(['eu', 'us']).default('eu'),
  }),
  create({ url, token, region }, { clock }) {
    async function get(path) {
      const response = await fetch(new URL(path, url), {
        headers: { authorization: `Bearer ${token}`, 'x-acme-region': region },
      });
      if (!response.ok) {
        const code = response.status === 401 ? 'PROVIDER_AUTH' : 'PROVIDER_FAILED';
        throw new ProviderError('acme', `Acme answered ${response.status}`, {
          status: response.status,
          code,
        });
      }
      return response.json();
    }
    return {
      name: 'acme',
      async resolveUsers(keys) {
        const { users } = await get(`/api/users?emails=${keys.map(encodeURIComponent).join(',')}`);
        const byEmail = new Map(users.map((u) => [u.email, u]));
        const resolved = [];
        const unresolved = [];
        for (const key of keys) {
          const user = byEmail.get(key);
          if (user) resolved.push({ key, id: user.id, displayName: user.name });
          else unresolved.push({ key, reason: 'not an Acme user' });
        }
        return { resolved, unresolved };
      },
      async getPresence(ids) {
        const { presence } = await get(`/api/presence?ids=${ids.join(',')}`);
        const observedAt = clock.now();
        return presence.map((p) => ({
          userId: p.id,
          status: STATUS[p.status] ?? 'unknown',
          observedAt,
          raw: p,
        }));
      },
    };
  },
});
