import { manualClock } from '@presence-tracker/core';
import { advancingSleep } from '@presence-tracker/core/resilience';
import { DOCUMENTED_LIMITS, slackProvider } from '@presence-tracker/provider-slack';
import { fakeSlackUsers, startFakeSlack } from '@presence-tracker/provider-slack/testing';
import type { BenchRow } from './lib.ts';

const PEOPLE = 2000;
const LATENCY = 50;
const POLL = 60_000;
const MINUTE = 60_000;

/**
 * 2,000 people polled once a minute against the fake Slack Web API with 50 ms latency and each
 * method's documented tier limit enforced. The provider and the fake share a manual clock, so the
 * 40 minutes of a full sweep replay in seconds; the ceiling is Slack's documented limit, and the ratio
 * says how much of it the provider uses without one `ratelimited` answer.
 */
export default async function slack(): Promise<BenchRow[]> {
  const clock = manualClock('2026-03-02T09:00:00Z');
  const fake = await startFakeSlack({ users: fakeSlackUsers(PEOPLE), clock, latency: LATENCY });
  try {
    const provider = slackProvider({
      token: 'xoxb-test',
      baseUrl: fake.url,
      clock,
      sleep: advancingSleep(clock),
    });
    const ids = (await provider.discoverUsers()).map((u) => u.id);
    const listCalls = fake.calls.get('users.list') ?? 0;

    const calls = () => [...fake.calls.values()].reduce((a, b) => a + b, 0);
    const start = clock.now().getTime();
    const seen = new Set<string>();
    const perPoll: number[] = [];
    const wall: number[] = [];
    let presenceCalls = 0;
    let polls = 0;
    while (seen.size < ids.length) {
      const before = calls();
      const presenceBefore = fake.calls.get('users.getPresence') ?? 0;
      const t = performance.now();
      for (const s of await provider.getPresence(ids)) seen.add(s.userId);
      wall.push(performance.now() - t);
      perPoll.push(calls() - before);
      presenceCalls += (fake.calls.get('users.getPresence') ?? 0) - presenceBefore;
      polls++;
      clock.advance(POLL);
    }
    // Each poll stands for the minute until the next: the sweep is the polls it took.
    const sweepMs = clock.now().getTime() - start;
    const minutes = sweepMs / MINUTE;
    const limit = DOCUMENTED_LIMITS['users.getPresence'];
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const rateLimited = [...fake.rateLimited.values()].reduce((a, b) => a + b, 0);
    const label = `${PEOPLE.toLocaleString('en-US')} people, ${LATENCY} ms latency`;
    return [
      {
        name: `requests per poll, ${label}`,
        value: median(perPoll),
        unit: 'requests/poll',
        note: `median over ${polls} polls a minute apart: ${limit} users.getPresence + 1 dnd.teamInfo; discovery: ${listCalls} users.list pages`,
      },
      {
        name: `full sweep (every person read once), ${label}`,
        value: minutes,
        unit: 'min',
        baseline: { name: `sweepDuration(${PEOPLE})`, value: provider.sweepDuration(PEOPLE, POLL) / MINUTE },
        note: 'replayed on the clock seam',
      },
      {
        name: `users.getPresence calls per minute, ${label}`,
        value: presenceCalls / minutes,
        unit: 'calls/min',
        baseline: { name: 'documented Tier 3 limit', value: limit },
        note: `${rateLimited} ratelimited answers`,
      },
      {
        name: `poll time, ${label}`,
        value: median(wall),
        unit: 'ms',
        note: `median wall time; ${limit} calls, 4 in flight`,
      },
    ];
  } finally {
    await fake.close();
  }
}
