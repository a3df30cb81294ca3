import { backToVersion11 } from './version-11.ts';

/**
 * SQL that turns a schema of this version back into the shape schema version 10 left, with the same
 * records: the open intervals' index of `changed` and the table's default fillfactor. For tests of
 * the migrations from version 10.
 */
export const backToVersion10 = (schema: string): string => {
  const s = `"${schema}"`;
  return `
${backToVersion11(schema)}
create index open_intervals_changed on ${s}.open_intervals (changed);
alter table ${s}.open_intervals reset (fillfactor);
delete from ${s}.schema_migrations where version > 10;
`;
};
