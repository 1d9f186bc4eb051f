/**
 * Meaning of the capture names used by the tags queries (see `./queries/index.ts` for the
 * convention). Names are parsed once per distinct string and cached by the caller.
 */
import { REF_KINDS, type RefKind, SYMBOL_KINDS, type SymbolKind } from './types.js';

/** What a capture contributes to the extraction. */
export type CaptureRole =
  | { readonly role: 'definition'; readonly kind: SymbolKind }
  | { readonly role: 'reference'; readonly kind: RefKind; readonly capitalisedOnly: boolean }
  | { readonly role: SimpleRole }
  | { readonly role: 'ignored' };

/** Roles whose capture name is the role itself. */
type SimpleRole =
  | 'name'
  | 'container'
  | 'receiver'
  | 'receiver.path'
  | 'ref.receiver'
  | 'callee'
  | 'body'
  | 'doc'
  | 'skip'
  | 'import'
  | 'import.source'
  | 'import.name'
  | 'import.require';

const SIMPLE_ROLES: ReadonlySet<string> = new Set<SimpleRole>([
  'name',
  'container',
  'receiver',
  'receiver.path',
  'ref.receiver',
  'callee',
  'body',
  'doc',
  'skip',
  'import',
  'import.source',
  'import.name',
  'import.require',
]);

function isSimpleRole(value: string): value is SimpleRole {
  return SIMPLE_ROLES.has(value);
}

function isSymbolKind(value: string): value is SymbolKind {
  return (SYMBOL_KINDS as readonly string[]).includes(value);
}

function isRefKind(value: string): value is RefKind {
  return (REF_KINDS as readonly string[]).includes(value);
}

/**
 * Interprets one capture name. Unknown names are `ignored` rather than errors so a query can carry
 * helper captures (tree-sitter needs a capture to anchor some patterns).
 */
export function parseCaptureName(name: string): CaptureRole {
  if (isSimpleRole(name)) return { role: name };
  const [head, kind, flag] = name.split('.');
  if (head === 'definition' && kind !== undefined && isSymbolKind(kind)) {
    return { role: 'definition', kind };
  }
  if (head === 'reference' && kind !== undefined && isRefKind(kind)) {
    return { role: 'reference', kind, capitalisedOnly: flag === 'component' };
  }
  return { role: 'ignored' };
}

/** Creates a memoising lookup for capture names; one per compiled query. */
export function createCaptureRoleCache(): (name: string) => CaptureRole {
  const cache = new Map<string, CaptureRole>();
  return (name) => {
    let role = cache.get(name);
    if (role === undefined) {
      role = parseCaptureName(name);
      cache.set(name, role);
    }
    return role;
  };
}
