// Whether a build's output is newer than what it is made from, by modification times: a folder counts every file
// in it and its own time (which changes when a file is added or removed in it).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The latest modification time under `target` (a file or a folder); 0 when it does not exist. @param {string} target */
export function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** The earliest modification time of the files under `folder`; undefined when it holds none. @param {string} folder */
export function oldestFileMtime(folder) {
  if (!existsSync(folder)) return undefined;
  let oldest;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const file = path.join(folder, entry.name);
    const time = entry.isDirectory() ? oldestFileMtime(file) : statSync(file).mtimeMs;
    if (time !== undefined) oldest = oldest === undefined ? time : Math.min(oldest, time);
  }
  return oldest;
}

/**
 * True when every output folder holds files, all written after the newest of the inputs (files or folders).
 * @param {string[]} outputs @param {string[]} inputs
 */
export function isUpToDate(outputs, inputs) {
  const newestInput = Math.max(0, ...inputs.map(newestMtime));
  return outputs.every((output) => {
    const oldest = oldestFileMtime(output);
    return oldest !== undefined && oldest > newestInput;
  });
}
