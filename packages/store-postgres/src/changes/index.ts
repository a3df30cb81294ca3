export { readChanges } from './read.ts';
export { changesMigration } from './schema.ts';
export { markWriter, writerMark } from './writer.ts';
