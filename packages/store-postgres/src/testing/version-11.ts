import { partEntries, rollupPartsMigration } from '../rollup-parts.ts';
import { backToVersion12 } from './version-12.ts';

/**
 * SQL that turns a schema of this version back into the shape schema version 11 left, with the same
 * records: `rollup_parts` as version 10 made it, a row per person and day, holding what the parts
 * held, unfolded (`a` and `b` the part's `seq`, so a fold joins them in the same order). For tests of
 * the migrations from version 11.
 */
export const backToVersion11 = (schema: string): string => {
  const s = `"${schema}"`;
  return `
${backToVersion12(schema)}
alter table ${s}.rollup_parts rename to rollup_parts_12;
${rollupPartsMigration(s)}
insert into ${s}.rollup_parts (user_id, day, a, b, intervals, sessions)
select user_id, day, seq, seq, intervals, sessions from ${partEntries(`${s}.rollup_parts_12`)} p;
drop table ${s}.rollup_parts_12;
delete from ${s}.schema_migrations where version > 11;
`;
};
