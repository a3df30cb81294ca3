// The sign-in form is shown in place of the page asked for, and the fragment that chooses the
// dashboard's page (`#/report?from=...`) never reaches the server: this adds it to the form's `next`,
// so signing in lands on that page and view. The server accepts only a path on its own origin.
const next = document.querySelector('input[name="next"]');
if (next instanceof HTMLInputElement && location.hash.length > 1 && !next.value.includes('#')) {
  next.value += location.hash;
}
