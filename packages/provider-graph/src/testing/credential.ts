import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';

/** A credential handing out `tokens` in turn, recording what it was asked. */
export function listCredential(...tokens: string[]): TokenCredential & {
  calls: { scopes: string[]; claims: string | undefined }[];
} {
  const calls: { scopes: string[]; claims: string | undefined }[] = [];
  return {
    calls,
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      calls.push({ scopes: [scopes].flat(), claims: options?.claims });
      const token = tokens[Math.min(calls.length, tokens.length) - 1]!;
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}
