/**
 * Schema version 11: a person's open interval is rewritten in place when a write closes it and opens
 * the next, instead of the row being deleted and a new one inserted. A poll in which 10,000 people
 * change status deleted 10,000 rows and inserted 10,000 (a new heap row, an entry in the key and one
 * in the `changed` index each, and the key's check past the deleted versions of the same person),
 * about a third of the store's time a poll (pnpm bench postgres). An UPDATE that changes no indexed
 * column is a heap-only tuple: the new version goes on the same page, no index is touched, and the
 * page's old versions are pruned as it fills.
 *
 * So the open table keeps half of each page free (`fillfactor`), and loses its index of `changed`:
 * `changes()` reads the open table whole (one row per person) for the rows after its cursor. The
 * open sessions keep theirs: a session is rarely closed and reopened in one write.
 */
export const openInPlaceMigration = (s: string): string => `
drop index ${s}.open_intervals_changed;
alter table ${s}.open_intervals set (fillfactor = 50);
`;
