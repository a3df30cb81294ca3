/**
 * The login page works without this script (the form posts the token and the server answers with a
 * cookie). It only adds where to go back to, including the fragment that names the dashboard's page,
 * which never reaches the server, and says so when a token was refused.
 */
const next = document.querySelector<HTMLInputElement>('#next');
const asked = new URLSearchParams(location.search).get('next');
if (next) {
  // The login form answers a POST to /login when the token was wrong, and any other page when none was sent.
  const here =
    location.pathname === '/login'
      ? (asked ?? '/')
      : `${location.pathname}${location.search}${location.hash}`;
  next.value = here.startsWith('/') && !here.startsWith('//') ? here : '/';
}
if (location.pathname === '/login') document.querySelector('#failed')?.removeAttribute('hidden');
