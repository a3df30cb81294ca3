import { foldSightingsSql } from '../sightings.ts';
import { backToVersion9 } from './version-9.ts';

/**
 * SQL that turns a schema of this version back into the shape schema version 8 left, with the same
 * records: every sighting in `user_seen`, and no log of them. For tests of the migrations from
 * version 8 and before.
 */
export const backToVersion8 = (schema: string): string => {
  const s = `"${schema}"`;
  return `
${backToVersion9(schema)}
${foldSightingsSql(schema)};
drop table ${s}.sightings;
delete from ${s}.schema_migrations where version > 8;
`;
};
