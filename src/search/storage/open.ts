/**
 * Storage URLs: `sqlite:PATH` (or a bare path ending in .db / .sqlite) for the embedded default,
 * `redis://[:password@]host:port[/db]` for workers on many machines.
 */
import { RedisStorage } from './redis';
import { SqliteStorage } from './sqlite';
import { StudyStorage } from './types';
export { redactStorageUrl } from './redact';

export const defaultStorageUrl = 'sqlite:studies/ktg.db';

/** `create: false` (for reading) refuses to create a missing SQLite file. */
export function openStorage(url: string = defaultStorageUrl, options: { create?: boolean } = {}): StudyStorage {
  if (url.startsWith('redis://') || url.startsWith('rediss://')) return new RedisStorage(url);
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!file) throw new Error(`storage URL "${url}" names no file (e.g. sqlite:studies/ktg.db)`);
    return new SqliteStorage(file, url, options);
  }
  if (/\.(db|sqlite3?)$/.test(url) && !url.includes('://')) return new SqliteStorage(url, `sqlite:${url}`, options);
  throw new Error(`unknown storage URL "${url}": use sqlite:PATH (e.g. ${defaultStorageUrl}) or redis://host:port`);
}
