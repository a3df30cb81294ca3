import { combineProviders, type PresenceProvider } from '@presence-tracker/core';
import { graphProvider } from '@presence-tracker/provider-graph';
import {
  listCredential,
  makeUsers,
  startFakeGraph,
  trustTestCertificate,
} from '@presence-tracker/provider-graph/testing';
import { mattermostProvider } from '@presence-tracker/provider-mattermost';
import { makeData, startFakeServer } from '@presence-tracker/provider-mattermost/testing';
import { type BenchRow, measure } from './lib.ts';

const PEOPLE = 500;
const GRAPH_LATENCY = 60;
const CHAT_LATENCY = 40;

/**
 * One poll of 500 people on Teams (the fake Graph, 60 ms a request) and Mattermost (the fake server,
 * 40 ms a request) through combineProviders, beside a poll of each platform alone, in the same run.
 * The platforms are read at once, so a combined poll should take about as long as the slowest
 * platform's, not the sum of both.
 */
export default async function combine(): Promise<BenchRow[]> {
  trustTestCertificate();
  const graphUsers = makeUsers(PEOPLE);
  const graph = await startFakeGraph({ users: graphUsers, latencyMs: GRAPH_LATENCY });
  const data = makeData({ users: PEOPLE, channels: 10 });
  // The same people on both platforms, known by the same e-mail address.
  data.users.slice(1).forEach((u, i) => {
    u.email = graphUsers[i]!.mail!;
  });
  const chat = await startFakeServer(data, { latencyMs: CHAT_LATENCY });
  const keys = graphUsers.map((u) => u.mail!);
  const teams = graphProvider({ credential: listCredential('graph-token'), baseUrl: graph.url });
  const mm = mattermostProvider({ url: chat.url, token: 'personal-access-token' }, { concurrency: 16 });
  const combined = combineProviders({ providers: { teams, chat: mm } });
  try {
    const idsOf = async (p: PresenceProvider) => (await p.resolveUsers(keys)).resolved.map((u) => u.id);
    const teamIds = await idsOf(teams);
    const chatIds = await idsOf(mm);
    const people = await idsOf(combined);
    if (teamIds.length !== PEOPLE || chatIds.length !== PEOPLE || people.length !== PEOPLE) {
      throw new Error(`expected ${PEOPLE} people resolved on each platform`);
    }
    const teamsMs = await measure(() => teams.getPresence(teamIds), 2000, 10);
    const chatMs = await measure(() => mm.getPresence(chatIds), 2000, 10);
    const combinedMs = await measure(() => combined.getPresence(people), 2000, 10);
    const slowest =
      teamsMs >= chatMs
        ? { name: 'Teams alone', value: teamsMs }
        : { name: 'Mattermost alone', value: chatMs };
    const label = `${PEOPLE} people on Teams (${GRAPH_LATENCY} ms a request) and Mattermost (${CHAT_LATENCY} ms)`;
    return [
      {
        name: `combined poll, ${label}`,
        value: combinedMs,
        unit: 'ms',
        baseline: { name: `the slowest platform, ${slowest.name}`, value: slowest.value },
        note: `median; Teams alone ${teamsMs.toFixed(1)} ms, Mattermost alone ${chatMs.toFixed(1)} ms, their sum ${(teamsMs + chatMs).toFixed(1)} ms`,
      },
    ];
  } finally {
    await combined.close?.();
    await graph.close();
    await chat.close();
  }
}
