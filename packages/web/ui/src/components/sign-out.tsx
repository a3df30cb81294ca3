import { useJson } from '../api/client.ts';

/**
 * A sign-out button where the server asks for a token (its `/api/v1/session` says so), nothing where
 * it does not. A plain form posting to `/logout`: the server clears the cookie and answers with the
 * sign-in form, so it works without this script's help too.
 */
export function SignOut() {
  const session = useJson<{ token: boolean }>('/api/v1/session');
  if (!session.data?.token) return null;
  return (
    <form class="sign-out" method="post" action="/logout">
      <button type="submit">Sign out</button>
    </form>
  );
}
