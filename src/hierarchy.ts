/**
 * The file/directory clash of hierarchical stores (capabilities.hierarchical: fs and
 * memory). There a name is a path in a tree, so `a` cannot be a file while `a/b` is
 * stored, nor the reverse. Both drivers refuse the clash with the same code and message,
 * built here: ALREADY_EXISTS, because an existing object stands in the way (Django's
 * FileSystemStorage raises FileExistsError there; an S3 server on a POSIX backend
 * answers 409 Conflict). Flat stores (the object stores) keep both names.
 */
import { StorageError } from './errors.js';

const WHY = 'on this driver a name cannot be a file and a directory at once (capability "hierarchical")';

/** Storing `name` needs `file`, an existing file, to be a directory. */
export function fileInTheWay(driver: string, name: string, file: string): StorageError {
  return new StorageError(
    'ALREADY_EXISTS',
    `${driver}: cannot store ${JSON.stringify(name)}: ${JSON.stringify(file)} is a file, and ${WHY}. Delete ${JSON.stringify(file)} or store under another name.`,
    { name },
  );
}

/** Replacing `name` would replace a directory of other files. */
export function directoryInTheWay(driver: string, name: string): StorageError {
  return new StorageError(
    'ALREADY_EXISTS',
    `${driver}: cannot replace ${JSON.stringify(name)}: it is a directory holding other files (${JSON.stringify(`${name}/…`)}), and ${WHY}. Delete them or store under another name.`,
    { name },
  );
}

/** The ancestors of a name, nearest last: `a/b/c` → `a`, `a/b`. */
export function ancestorsOf(name: string): string[] {
  const segments = name.split('/');
  return segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'));
}
