import { WebSocketClient } from '@mattermost/client';
import type { UserProfile } from '@mattermost/types/users';
import type { PresenceSample } from '@presence-tracker/core';
import { type Connection, PROVIDER } from './client.ts';
import type { ResolvedOptions } from './options.ts';
import { STATUS_MAP } from './status.ts';

/**
 * Mattermost sends `status_change` only to the user whose status changed, so pushing works for the
 * account's own status alone; everyone else is polled. Without the account among `userIds`, no
 * connection is opened.
 */
export async function subscribeToOwnStatus(
  connection: Connection,
  options: ResolvedOptions,
  userIds: readonly string[],
  onSamples: (samples: PresenceSample[]) => void,
): Promise<{ close(): Promise<void> }> {
  await connection.ensureSession();
  const me = (await connection.client.getMe()) as UserProfile;
  if (!userIds.includes(me.id)) return { close: async () => {} };

  polyfillCloseEvent();
  // The client leaves a socket that is still connecting open when closed, and reconnects when it
  // drops; keeping hold of every socket lets close() end them for good.
  const opened = new Set<WebSocket>();
  let closed = false;
  const socket = new WebSocketClient({
    newWebSocketFn: (url) => {
      const ws = new WebSocket(url);
      opened.add(ws);
      ws.addEventListener('close', () => opened.delete(ws));
      if (closed) ws.close();
      return ws;
    },
  });
  socket.addMessageListener((message) => {
    if (message.event !== 'status_change') return;
    const data = message.data as { user_id?: string; status?: string };
    if (data.user_id !== me.id || typeof data.status !== 'string') return;
    onSamples([
      {
        userId: me.id,
        status: STATUS_MAP[data.status] ?? 'unknown',
        observedAt: options.clock.now(),
        raw: { status: data.status },
        source: 'push',
      },
    ]);
  });
  const url = `${options.url.replace(/^http/, 'ws')}/api/v4/websocket`;
  socket.initialize(url, connection.client.getToken());
  options.logger?.info(
    { provider: PROVIDER, userId: me.id },
    'listening for the account’s own status changes',
  );
  return {
    async close() {
      closed = true;
      socket.close();
      for (const ws of opened) {
        ws.onclose = null;
        ws.onerror = null;
        ws.close();
      }
      opened.clear();
    },
  };
}

/** Node 22 has `WebSocket` but not `CloseEvent`, which the client constructs on a lost connection. */
function polyfillCloseEvent() {
  if (typeof globalThis.CloseEvent === 'function') return;
  class CloseEventPolyfill extends Event {
    readonly code: number;
    readonly reason: string;
    readonly wasClean: boolean;
    constructor(type: string, init: { code?: number; reason?: string; wasClean?: boolean } = {}) {
      super(type);
      this.code = init.code ?? 0;
      this.reason = init.reason ?? '';
      this.wasClean = init.wasClean ?? false;
    }
  }
  (globalThis as { CloseEvent?: unknown }).CloseEvent = CloseEventPolyfill;
}
