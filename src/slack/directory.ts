import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.js';
import type { RoleName, Settings } from '../config/settings.js';
import type { Logger } from '../logger.js';

export interface SlackUser {
  id: string;
  name: string;
  /** IANA zone from the user's Slack profile. */
  tz: string;
}

/**
 * Who people are and which roles they hold. Roles come from settings as user IDs or user-group IDs;
 * group membership is read with usergroups.users.list and cached for `role_cache_ttl`, so a button
 * click costs no Slack call most of the time. A lookup that fails counts as "not a member": refusing
 * is the safe side.
 */
export class Directory {
  private readonly groups = new Map<string, { members: Set<string>; until: number }>();
  private readonly users = new Map<string, { user: SlackUser; until: number }>();

  constructor(private readonly deps: { client: WebClient; settings: Settings; clock: Clock; logger: Logger }) {}

  async hasRole(userId: string, role: RoleName): Promise<boolean> {
    for (const entry of this.deps.settings.roles[role]) {
      if (entry === userId) return true;
      if (entry.startsWith('S') && (await this.groupMembers(entry)).has(userId)) return true;
    }
    return false;
  }

  async rolesOf(userId: string): Promise<Set<RoleName>> {
    const roles = new Set<RoleName>();
    for (const role of Object.keys(this.deps.settings.roles) as RoleName[]) {
      if (await this.hasRole(userId, role)) roles.add(role);
    }
    return roles;
  }

  /** Every user ID holding a role (groups expanded), e.g. to DM approvers. */
  async membersOf(role: RoleName): Promise<string[]> {
    const members = new Set<string>();
    for (const entry of this.deps.settings.roles[role]) {
      if (entry.startsWith('S')) for (const id of await this.groupMembers(entry)) members.add(id);
      else members.add(entry);
    }
    return [...members];
  }

  /** Whether the user is one of these entries (user IDs or user groups), e.g. a per-service approver group. */
  async isAnyOf(userId: string, entries: string[]): Promise<boolean> {
    for (const entry of entries) {
      if (entry === userId) return true;
      if (entry.startsWith('S') && (await this.groupMembers(entry)).has(userId)) return true;
    }
    return false;
  }

  /** Every user ID among these entries, groups expanded. */
  async membersOfEntries(entries: string[]): Promise<string[]> {
    const members = new Set<string>();
    for (const entry of entries) {
      if (entry.startsWith('S')) for (const id of await this.groupMembers(entry)) members.add(id);
      else members.add(entry);
    }
    return [...members];
  }

  /** The user as last looked up, without asking Slack (undefined when not cached). */
  knownUser(userId: string): SlackUser | undefined {
    const cached = this.users.get(userId);
    return cached && cached.until > this.deps.clock.now().getTime() ? cached.user : undefined;
  }

  async user(userId: string): Promise<SlackUser> {
    const now = this.deps.clock.now().getTime();
    const cached = this.users.get(userId);
    if (cached && cached.until > now) return cached.user;
    try {
      const answer = (await this.deps.client.users.info({ user: userId })) as {
        user?: {
          id: string;
          name?: string;
          real_name?: string;
          tz?: string;
          profile?: { display_name?: string; real_name?: string };
        };
      };
      const u = answer.user;
      const user: SlackUser = {
        id: userId,
        name: u?.profile?.display_name || u?.real_name || u?.profile?.real_name || u?.name || userId,
        tz: u?.tz || this.deps.settings.timezone,
      };
      this.users.set(userId, { user, until: now + this.deps.settings.slack.role_cache_ttl });
      return user;
    } catch (error) {
      this.deps.logger.warn({ err: error, user: userId }, 'users.info failed; using defaults');
      return { id: userId, name: userId, tz: this.deps.settings.timezone };
    }
  }

  private async groupMembers(groupId: string): Promise<Set<string>> {
    const now = this.deps.clock.now().getTime();
    const cached = this.groups.get(groupId);
    if (cached && cached.until > now) return cached.members;
    try {
      const answer = await this.deps.client.usergroups.users.list({ usergroup: groupId });
      const members = new Set(answer.users ?? []);
      this.groups.set(groupId, { members, until: now + this.deps.settings.slack.role_cache_ttl });
      return members;
    } catch (error) {
      this.deps.logger.warn({ err: error, usergroup: groupId }, 'usergroups.users.list failed; treating as no members');
      return cached?.members ?? new Set();
    }
  }
}
