/**
 * Whether a host name, as `URL` reads it (lower case, IPv4 in dotted form, IPv6 in brackets), names
 * this machine only: `localhost`, 127.0.0.0/8, `[::1]`, or 127.0.0.0/8 mapped into IPv6.
 */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127(\.\d{1,3}){3}$/.test(hostname) ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname)
  );
}

/**
 * Whether an address to listen on (`127.0.0.1`, `::1`, `[::1]`, `localhost`, as a command line or a
 * configuration gives it) reaches this machine only. It is read as `URL` reads a host, so `127.1` and
 * `::ffff:127.0.0.1` count too; anything that is not a host alone (`x@localhost`, `127.0.0.1/x`) does not.
 */
export function isLoopbackAddress(address: string): boolean {
  // A host alone: no user, path, query or fragment that `URL` would read around it.
  if (/[\s/?#@\\]/.test(address)) return false;
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  if (!URL.canParse(`http://${host}/`)) return false;
  return isLoopbackHost(new URL(`http://${host}/`).hostname);
}
