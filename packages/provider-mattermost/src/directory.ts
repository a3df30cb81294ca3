import type { Client4 } from '@mattermost/client';
import type { Channel } from '@mattermost/types/channels';
import type { Team } from '@mattermost/types/teams';
import type { UserProfile } from '@mattermost/types/users';
import type { Group } from '@presence-tracker/core';
import { allPages, chunk, mapLimit } from './batch.ts';
import { segment } from './client.ts';
import { isId, type ResolvedOptions } from './options.ts';

/** Mattermost's largest page. */
export const PER_PAGE = 200;

export interface TeamGroup extends Group {
  kind: 'team';
  name: string;
}

/**
 * A channel a user belongs to. It names its team as well, so a store can fill per-channel views
 * (team id and name, channel id and name) from the channel group alone; the team also appears as a
 * group of its own. Direct and group messages belong to no team: their `teamId` and `teamName` are
 * empty, as Mattermost's `team_id` is, and their name lists the members' usernames.
 */
export interface ChannelGroup extends Group {
  kind: 'channel';
  name: string;
  teamId: string;
  teamName: string;
}

export interface Member {
  profile: UserProfile;
  groups: (TeamGroup | ChannelGroup)[];
}

/**
 * The people, teams and channels the account can see, walked page by page and reused for
 * `refreshInterval`, and every profile met on the way, so a poll asks for statuses only.
 */
export class Directory {
  private readonly client: Client4;
  private readonly options: ResolvedOptions;
  private readonly profiles = new Map<string, { profile: UserProfile; at: number }>();
  private readonly teams = new Map<string, Team>();
  private walked: { at: number; members: Promise<Map<string, Member>> } | null = null;

  constructor(client: Client4, options: ResolvedOptions) {
    this.client = client;
    this.options = options;
  }

  /** Everyone in scope with their groups: the given teams and channels, or all of the account's. */
  members(): Promise<Map<string, Member>> {
    const now = Date.now();
    if (!this.walked || now - this.walked.at > this.options.refreshInterval) {
      const members = this.walk();
      this.walked = { at: now, members };
      members.catch(() => {
        if (this.walked?.members === members) this.walked = null;
      });
    }
    return this.walked.members;
  }

  remember(profiles: readonly UserProfile[]): void {
    const at = Date.now();
    for (const profile of profiles) this.profiles.set(profile.id, { profile, at });
  }

  /** Profiles of `ids`, from the cache while fresh, the rest in batched requests. */
  async profilesOf(ids: readonly string[]): Promise<Map<string, UserProfile>> {
    const now = Date.now();
    const found = new Map<string, UserProfile>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = this.profiles.get(id);
      if (cached && now - cached.at <= this.options.refreshInterval) found.set(id, cached.profile);
      else missing.push(id);
    }
    const batches = chunk(missing, this.options.batchSize);
    const fetched = await mapLimit(batches, this.options.concurrency, (batch) =>
      this.client.getProfilesByIds(batch),
    );
    for (const list of fetched) {
      this.remember(list);
      for (const p of list) found.set(p.id, p);
    }
    return found;
  }

  clear(): void {
    this.profiles.clear();
    this.teams.clear();
    this.walked = null;
  }

  private async walk(): Promise<Map<string, Member>> {
    const { client, options } = this;
    const limit = options.concurrency;
    const groups = new Map<string, Map<string, TeamGroup | ChannelGroup>>();
    const join = (userId: string, group: TeamGroup | ChannelGroup) => {
      let mine = groups.get(userId);
      if (!mine) {
        mine = new Map();
        groups.set(userId, mine);
      }
      mine.set(`${group.kind}:${group.id}`, group);
    };
    const teamGroup = (team: Team): TeamGroup => ({
      kind: 'team',
      id: team.id,
      name: team.display_name || team.name,
    });

    const scoped = options.teams !== undefined || options.channels !== undefined;
    const teams = scoped
      ? await mapLimit(options.teams ?? [], limit, (t) =>
          isId(t) ? client.getTeam(t) : client.getTeamByName(segment(t)),
        )
      : await client.getMyTeams();
    for (const team of teams) this.teams.set(team.id, team);

    const inTeams = await mapLimit(teams, limit, (team) =>
      allPages(PER_PAGE, (page) => client.getProfilesInTeam(team.id, page, PER_PAGE)),
    );
    teams.forEach((team, i) => {
      const profiles = inTeams[i]!;
      this.remember(profiles);
      for (const p of profiles) join(p.id, teamGroup(team));
    });

    const channels = new Map<string, Channel>();
    const publicChannels = await mapLimit(teams, limit, (team) =>
      allPages(PER_PAGE, (page) => client.getChannels(team.id, page, PER_PAGE)),
    );
    // The account's private channels are channels it can see as well; public ones come from the walk above.
    const privateChannels = scoped
      ? []
      : await mapLimit(teams, limit, async (team) =>
          (await client.getMyChannels(team.id)).filter((c) => c.type === 'P' && c.team_id === team.id),
        );
    const named = await mapLimit(options.channels ?? [], limit, (c) => {
      if (isId(c)) return client.getChannel(c);
      const [teamName, channelName] = c.split('/') as [string, string];
      return client.getChannelByNameAndTeamName(segment(teamName), segment(channelName));
    });
    for (const c of [...publicChannels.flat(), ...privateChannels.flat(), ...named]) {
      if (c.delete_at === 0) channels.set(c.id, c);
    }

    const unknownTeams = [...new Set([...channels.values()].map((c) => c.team_id))].filter(
      (id) => !this.teams.has(id) && !isTeamless(id),
    );
    for (const team of await mapLimit(unknownTeams, limit, (id) => client.getTeam(id)))
      this.teams.set(team.id, team);

    const list = [...channels.values()];
    const memberships = await mapLimit(list, limit, (channel) =>
      allPages(PER_PAGE, (page) => client.getChannelMembers(channel.id, page, PER_PAGE)),
    );
    /** Direct messages have no display name of their own; they are named once profiles are known. */
    const unnamed: { group: ChannelGroup; userIds: string[] }[] = [];
    list.forEach((channel, i) => {
      const team = isTeamless(channel.team_id) ? undefined : this.teams.get(channel.team_id)!;
      const group: ChannelGroup = {
        kind: 'channel',
        id: channel.id,
        name: channel.display_name || channel.name,
        teamId: team?.id ?? '',
        teamName: team ? team.display_name || team.name : '',
      };
      const userIds = memberships[i]!.map((m) => m.user_id);
      if (!team && !channel.display_name) unnamed.push({ group, userIds });
      for (const userId of userIds) {
        if (team) join(userId, teamGroup(team));
        join(userId, group);
      }
    });

    const profiles = await this.profilesOf([...groups.keys()]);
    for (const { group, userIds } of unnamed) {
      const usernames = userIds.flatMap((id) => profiles.get(id)?.username ?? []);
      if (usernames.length > 0) group.name = usernames.sort().join(', ');
    }
    const members = new Map<string, Member>();
    for (const [userId, mine] of groups) {
      const profile = profiles.get(userId);
      if (profile) members.set(userId, { profile, groups: [...mine.values()] });
    }
    return members;
  }
}

/** Direct and group message channels carry an empty `team_id`: they belong to no team. */
function isTeamless(teamId: string): boolean {
  return teamId === '';
}
