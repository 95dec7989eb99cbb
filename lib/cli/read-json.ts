/** Reads the JSON files named on the command line; a bad file is an InputError naming file and flag. */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors';
import type { FileFlag } from './args';

export function readJsonFile(file: FileFlag): unknown {
  let text: string;
  try {
    text = readFileSync(file.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError('FILE_UNREADABLE', `${file.flag} ${file.path}: cannot read the file (${code})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // Only the position: newer V8 messages quote the text around it, which may hold a secret.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '');
    const where = position ? ` at position ${position[1]}` : '';
    throw new InputError('FILE_INVALID_JSON', `${file.flag} ${file.path}: not valid JSON${where}`);
  }
}
