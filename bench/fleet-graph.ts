/**
 * The Microsoft Graph `pnpm bench fleet` polls, in a process of its own so its CPU is counted apart
 * from the trackers': the fake Graph (`people` people, `latencyMs` per request, Graph's limit of 1,500
 * presence requests per 30 s) and the fake sign-in the trackers' ClientSecretCredential uses. A
 * share of the people change status every 100 ms, so polls find changes to write as well as
 * readings. The app's id and secret come in the environment. Told `counts` over IPC it answers with what the fake counted; the parent ends it with a kill.
 */
import { makeUsers, startFakeGraph, startFakeIdentity } from '@presence-tracker/provider-graph/testing';

const [people, latencyMs, changesPerSecond] = process.argv.slice(2).map(Number);
if (!process.send) throw new Error('fleet-graph runs as a child of pnpm bench fleet, with an IPC channel');
const { FLEET_CLIENT_ID, FLEET_CLIENT_SECRET } = process.env;
const users = makeUsers(people!);
const graph = await startFakeGraph({
  users,
  latencyMs: latencyMs!,
  throttle: { requests: 1_500, perMs: 30_000 },
  record: false,
});
const identity = await startFakeIdentity({ clientId: FLEET_CLIENT_ID!, clientSecret: FLEET_CLIENT_SECRET! });
const words = ['Available', 'Busy', 'Away', 'DoNotDisturb', 'BeRightBack'];
let seed = 1;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
setInterval(() => {
  for (let i = 0; i < changesPerSecond! / 10; i++) {
    const u = users[Math.floor(random() * users.length)]!;
    void graph.setPresence(u.id, words[Math.floor(random() * words.length)]!);
  }
}, 100);
process.on('message', (message) => {
  if (message === 'counts') process.send!({ counts: { ...graph.counts } });
});
process.send({ graph: graph.url, identity: identity.url });
