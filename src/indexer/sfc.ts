import { createLineIndex, type LineIndex } from './line-index.js';
import { blank } from './syntax-repair.js';
import type { ExtractedSymbol, FileExtraction } from './types.js';

/**
 * Single-file components (Vue's `.vue`, Svelte's `.svelte`): the code is in `<script>` blocks
 * (`<script setup lang="ts">`, `<script context="module">`) among markup and styles. The file is
 * parsed with the TypeScript grammar after everything outside its script blocks is written over
 * with spaces (line breaks kept, so every offset, line and column stays where it is). Chunks are
 * cut from the original text, so the template stays searchable.
 */

/** An opening `<script …>` tag (with any attributes), and a closing one. */
const SCRIPT_OPEN = /<script\b[^>]*>/gi;
const SCRIPT_CLOSE = /<\/script\s*>/gi;

/**
 * The text of a single-file component with only its script blocks' contents left (the tags
 * themselves blanked too); null when it has no script block (a template-only component).
 */
export function scriptBlocksOnly(source: string): string | null {
  let out = '';
  let at = 0;
  let found = false;
  SCRIPT_OPEN.lastIndex = 0;
  for (let open = SCRIPT_OPEN.exec(source); open !== null; open = SCRIPT_OPEN.exec(source)) {
    const bodyStart = open.index + open[0].length;
    SCRIPT_CLOSE.lastIndex = bodyStart;
    const close = SCRIPT_CLOSE.exec(source);
    const bodyEnd = close === null ? source.length : close.index;
    // The markup before the block and the tag are blanked; the block's body is kept. A block
    // with no closing tag runs to the end of the file.
    out += blank(source.slice(at, bodyStart)) + source.slice(bodyStart, bodyEnd);
    found ||= bodyEnd > bodyStart;
    at = close === null ? source.length : close.index;
    SCRIPT_OPEN.lastIndex = close === null ? source.length : close.index + close[0].length;
  }
  if (!found) return null;
  return out + blank(source.slice(at));
}

/** A component tag in markup: `<MyButton`, `<Foo.Bar` (its last part). */
const COMPONENT_TAG = /<([A-Z][\w$]*(?:\.[A-Z][\w$]*)*)(?=[\s/>])/g;
/** Vue's kebab-case spelling of one: `<my-button>` renders `MyButton` (a hyphen is required). */
const KEBAB_TAG = /<([a-z][a-z0-9]*(?:-[a-z0-9]+)+)(?=[\s/>])/g;

/**
 * The components a single-file component's markup uses, as the ranges of their names in
 * `source`: `<SpinnerIcon …/>` names `SpinnerIcon`, `<Foo.Bar>` `Bar`; with `kebab` (Vue), also
 * `<spinner-icon>`, named `SpinnerIcon`. Markup inside script blocks and `<style>` is not read.
 */
export function templateComponents(
  source: string,
  kebab = false,
): { start: number; end: number; name?: string }[] {
  const script = scriptBlocksOnly(source);
  const out: { start: number; end: number; name?: string }[] = [];
  const styles = [...source.matchAll(/<style\b[^>]*>[\s\S]*?<\/style\s*>/gi)].map((m) => [
    m.index,
    m.index + m[0].length,
  ]);
  // Not inside a script block (a `<Foo>` in a string or a generic) or a style block.
  const inMarkup = (at: number) =>
    (script === null || script[at] === ' ' || script[at] === undefined) &&
    !styles.some(([a, b]) => at >= a! && at < b!);
  for (const m of source.matchAll(COMPONENT_TAG)) {
    const at = m.index;
    if (!inMarkup(at)) continue;
    const tag = m[1]!;
    const last = tag.slice(tag.lastIndexOf('.') + 1);
    const start = at + 1 + tag.length - last.length;
    out.push({ start, end: start + last.length });
  }
  if (kebab)
    for (const m of source.matchAll(KEBAB_TAG)) {
      const at = m.index;
      if (!inMarkup(at)) continue;
      const tag = m[1]!;
      const name = tag.replace(/(?:^|-)([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      out.push({ start: at + 1, end: at + 1 + tag.length, name });
    }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The component a Vue or Svelte file defines, named after the file as its users write it
 * (`todo-list.vue` and `TodoList.vue` are `TodoList`; `index.vue` takes its directory's name):
 * `import TodoList from './TodoList.vue'` and `<TodoList />` then find it. Null for names that are
 * no component's (SvelteKit's `+page.svelte`, `+layout.svelte`).
 */
export function componentSymbol(
  path: string,
  source: string,
  language: 'vue' | 'svelte',
  lines: LineIndex,
): ExtractedSymbol | null {
  const parts = path.split(/[\\/]/);
  let base = (parts.pop() ?? '').replace(/\.(vue|svelte)$/i, '');
  if (base.toLowerCase() === 'index') base = parts.pop() ?? '';
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(base)) return null;
  const name = base.replace(/(?:^|[-_])([A-Za-z0-9])/g, (_m, c: string) => c.toUpperCase());
  return {
    name,
    kind: 'class',
    startLine: 1,
    startCol: 0,
    // The last line that holds text: a final line break starts no line of the component.
    endLine: Math.max(1, lines.lineCount - (source.endsWith('\n') ? 1 : 0)),
    endCol: 0,
    container: null,
    signature: `${language === 'vue' ? 'Vue' : 'Svelte'} component <${name}>`,
    doc: null,
    exported: true,
  };
}

/**
 * Props declared by destructuring, which the grammar's queries do not read as definitions: Svelte
 * 5's `let { count = 0, label }: Props = $props();` and Vue 3.5's `const { title } =
 * defineProps<…>()`. Each is a property of the component (the name a parent passes; a renamed
 * binding, `label: text`, is declared as `label`). Only inside script blocks.
 */
export function destructuredProps(source: string, component: string, lines: LineIndex): ExtractedSymbol[] {
  const script = scriptBlocksOnly(source);
  if (script === null) return [];
  const out: ExtractedSymbol[] = [];
  const decl = /\b(?:let|const|var)\s*\{([^{}]*)\}\s*(?::[^=;]*)?=\s*(?:\$props|defineProps)\s*[(<]/g;
  for (const m of script.matchAll(decl)) {
    const bodyStart = m.index + m[0].indexOf('{') + 1;
    let offset = bodyStart;
    for (const part of m[1]!.split(',')) {
      const name = /^\s*([A-Za-z_$][\w$]*)/.exec(part);
      if (name !== null && !part.trimStart().startsWith('...')) {
        const at = offset + part.indexOf(name[1]!);
        const row = lines.rowOf(at);
        const line = row + 1;
        const col = at - lines.rowStart(row);
        out.push({
          name: name[1]!,
          kind: 'property',
          startLine: line,
          startCol: col,
          endLine: line,
          endCol: col + name[1]!.length,
          container: component,
          signature: part.trim(),
          doc: null,
          exported: true,
        });
      }
      offset += part.length + 1;
    }
  }
  return out;
}

/**
 * A Vue or Svelte file's extraction with its component (`componentSymbol`) first, an Options API
 * component's methods (`methods: { save() {} }`, `computed`, `data()`) as its members, and its
 * destructured props (`destructuredProps`), in source order. Unchanged when the file's name is no
 * component's.
 */
export function addComponent(
  out: FileExtraction,
  path: string,
  source: string,
  language: 'vue' | 'svelte',
): void {
  const lines = createLineIndex(source);
  const component = componentSymbol(path, source, language, lines);
  if (component === null) return;
  for (const s of out.symbols) if (s.kind === 'method' && s.container === null) s.container = component.name;
  const props = destructuredProps(source, component.name, lines);
  out.symbols.unshift(component, ...props);
  // Source order, as the queries give it (a stable sort: ties keep their order).
  if (props.length > 0) out.symbols.sort((a, b) => a.startLine - b.startLine || a.startCol - b.startCol);
}
