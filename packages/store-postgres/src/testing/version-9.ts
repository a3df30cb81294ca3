import { foldRecordPartsSql } from '../rollup-parts.ts';
import { backToVersion10 } from './version-10.ts';

/**
 * SQL that turns a schema of this version back into the shape schema version 9 left, with the same
 * records: every digest whole in `rollups`, and no parts of them. For tests of the migrations from
 * version 9 and before.
 */
export const backToVersion9 = (schema: string): string => {
  const s = `"${schema}"`;
  return `
${backToVersion10(schema)}
${foldRecordPartsSql(schema)};
drop table ${s}.rollup_parts;
delete from ${s}.schema_migrations where version > 9;
`;
};
