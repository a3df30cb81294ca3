import { useEffect, useRef } from 'preact/hooks';
import { useConnection } from './api/events.ts';
import { SignOut } from './components/sign-out.tsx';
import { NowPage } from './pages/now.tsx';
import { PersonPage } from './pages/person.tsx';
import { ReportPage } from './pages/report.tsx';
import { RunsPage } from './pages/runs.tsx';
import { zoneOf } from './pages/settings.ts';
import { TimelinePage } from './pages/timeline.tsx';
import { href, useRoute } from './router.ts';

const PAGES = [
  { path: '/now', title: 'Now', Page: NowPage },
  { path: '/timeline', title: 'Timeline', Page: TimelinePage },
  { path: '/report', title: 'Report', Page: ReportPage },
  { path: '/runs', title: 'Runs', Page: RunsPage },
] as const;

export function App() {
  const route = useRoute();
  const zone = zoneOf(route);
  const page = PAGES.find((p) => p.path === route.path);
  const person = route.path === '/people';
  const title = person ? 'Person' : (page?.title ?? 'Not found');
  // Every page follows the tracker's writes over one stream; its state shows on all of them.
  const { connection, problem } = useConnection();

  useEffect(() => {
    document.title = `${title} · presence-tracker`;
  }, [title]);
  // A new page moves focus to its heading, so a screen reader announces it and Tab starts from there;
  // the first page of a visit leaves focus where the browser put it.
  const visited = useRef(false);
  useEffect(() => {
    if (!visited.current) {
      visited.current = true;
      return;
    }
    const heading = document.getElementById('page-title');
    if (heading && document.activeElement !== heading && heading.closest('main'))
      heading.focus({ preventScroll: true });
  }, [route.path, route.rest.join('/')]);

  return (
    <>
      <button type="button" class="skip" onClick={skipToMain}>
        Skip to content
      </button>
      <header class="top">
        <span class="brand">presence-tracker</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a
                  href={href(p.path, route.params.has('zone') ? { zone } : {})}
                  aria-current={p.path === route.path ? 'page' : undefined}
                >
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p class={`connection ${connection}`} role="status">
          {connection === 'live' ? 'Live' : connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </p>
        <SignOut />
      </header>
      <main id="main" tabIndex={-1}>
        {problem && (
          <p class="notice error" role="alert">
            The tracker reports: {problem}
          </p>
        )}
        {!person && (
          <h1 id="page-title" tabIndex={-1}>
            {title}
          </h1>
        )}
        {person ? (
          <PersonPage route={route} zone={zone} />
        ) : page ? (
          <page.Page route={route} zone={zone} />
        ) : (
          <p>
            There is no page here. <a href={href('/now')}>See who is reachable now</a>.
          </p>
        )}
      </main>
    </>
  );
}

/** The fragment routes pages, so the skip link moves focus itself instead of changing the hash. */
function skipToMain() {
  document.getElementById('main')?.focus();
}
