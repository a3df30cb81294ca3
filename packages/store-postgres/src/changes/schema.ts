/**
 * Schema version 4: every interval, session and run carries `changed`, the id of the transaction
 * that last opened or closed it (`xid8`, `pg_current_xact_id()`). Rows kept before this version carry
 * 0, below every transaction id, so no cursor ever finds them. New rows get it from the column's
 * default, so the inserts are unchanged; the UPDATEs that close a record set it themselves.
 * Confirmations (a run's heartbeat, `user_seen`) leave it alone: they are not news.
 */
export const changesMigration = (s: string): string => `
alter table ${s}.intervals add column changed xid8 not null default '0';
alter table ${s}.intervals alter column changed set default pg_current_xact_id();
alter table ${s}.sessions add column changed xid8 not null default '0';
alter table ${s}.sessions alter column changed set default pg_current_xact_id();
alter table ${s}.runs add column changed xid8 not null default '0';
alter table ${s}.runs alter column changed set default pg_current_xact_id();
create index intervals_changed on ${s}.intervals (changed);
create index sessions_changed on ${s}.sessions (changed);
create index runs_changed on ${s}.runs (changed);
`;
