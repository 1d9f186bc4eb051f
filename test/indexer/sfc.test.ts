import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createExtractor, detectLanguage } from '../../src/indexer/index.js';
import { scriptBlocksOnly, templateComponents } from '../../src/indexer/sfc.js';
import { chunkRows, definitionRows, importRows, refRows } from './helpers.js';

// Not under test/fixtures/langs/: the end-to-end tests count that tree's files per language.
const SFC_FIXTURES = new URL('../../../test/fixtures/sfc/', import.meta.url);
const readFixture = (name: string) => readFileSync(new URL(name, SFC_FIXTURES), 'utf8');
const extractor = createExtractor();
const extractFixture = (name: string) => {
  const language = detectLanguage(name);
  if (language === null) throw new Error(`no language for ${name}`);
  return extractor.extractFile(readFixture(name), language);
};

describe('single-file components: Vue', () => {
  it('.vue and .svelte files are their own languages', () => {
    assert.equal(detectLanguage('src/components/TodoList.vue'), 'vue');
    assert.equal(detectLanguage('src/lib/Toggle.svelte'), 'svelte');
  });

  it('Options API: the script block is parsed, offsets and lines kept', () => {
    const result = extractFixture('TodoList.vue');
    assert.deepEqual(definitionRows(result), [
      ['removeItem', 'method', 19, 21, null],
      ['findIndex', 'function', 25, 27, null],
    ]);
    assert.equal(result.symbols[0]?.doc, 'Removes one item by id.');
    assert.deepEqual(importRows(result), [['./TodoItem.vue', ['TodoItem'], 10]]);
    // The components the template renders are used where they are written; `&lt;Fake&gt;` in
    // text and `<NotAComponent>` in the style's comment are none.
    assert.deepEqual(
      refRows(result).filter(([, kind]) => kind === 'call'),
      [
        ['TodoItem', 'call', 3, null],
        ['EmptyState', 'call', 4, null],
        ['$emit', 'call', 20, 'removeItem'],
        ['findIndex', 'call', 20, 'removeItem'],
        ['findIndex', 'call', 26, 'findIndex'],
      ],
    );
    // The template is in the chunks: a search for its markup finds the file.
    const text = result.chunks.map((c) => c.content).join('\n');
    assert.match(text, /<TodoItem v-for="item in items"/);
  });

  it('<script setup lang="ts"> with a second script block: TypeScript in both', () => {
    const result = extractFixture('Counter.vue');
    assert.deepEqual(definitionRows(result), [
      ['CounterProps', 'interface', 2, 4, null],
      ['start', 'property', 3, 3, 'CounterProps'],
      ['props', 'constant', 11, 11, null],
      ['count', 'constant', 12, 12, null],
      ['increment', 'function', 14, 16, null],
    ]);
    assert.deepEqual(
      refRows(result).filter(([name]) => name === 'CountButton' || name === 'CounterProps'),
      [
        ['CountButton', 'import', 9, null],
        ['CounterProps', 'type', 11, 'props'],
        ['CountButton', 'call', 20, null],
      ],
    );
  });

  it('a template-only component has no definitions, and its markup is one chunk', () => {
    const result = extractFixture('PageFooter.vue');
    assert.deepEqual(definitionRows(result), []);
    assert.deepEqual(
      chunkRows(result).map(([, , a, b]) => [a, b]),
      [[1, 3]],
    );
  });
});

describe('single-file components: Svelte', () => {
  it('module and instance scripts, exported props, and components in the markup', () => {
    const result = extractFixture('Toggle.svelte');
    assert.deepEqual(definitionRows(result), [
      ['Size', 'type', 2, 2, null],
      ['checked', 'variable', 10, 10, null],
      ['size', 'variable', 11, 11, null],
      ['dispatch', 'constant', 13, 13, null],
      ['toggle', 'function', 15, 18, null],
    ]);
    assert.deepEqual(
      result.symbols.filter((s) => s.exported).map((s) => s.name),
      ['Size', 'checked', 'size'],
    );
    assert.equal(result.symbols.find((s) => s.name === 'checked')?.doc, 'Whether the toggle is on.');
    assert.deepEqual(importRows(result), [
      ['./Icon.svelte', ['Icon'], 6],
      ['svelte', ['createEventDispatcher'], 7],
    ]);
    assert.deepEqual(
      refRows(result).filter(([name]) => name === 'Icon'),
      [
        ['Icon', 'import', 6, null],
        ['Icon', 'call', 22, null],
      ],
    );
  });

  it('the native extractor and node-tree-sitter agree on every component', () => {
    const native = createExtractor({ native: true });
    const plain = createExtractor({ native: false });
    for (const [file, language] of [
      ['TodoList.vue', 'vue'],
      ['Counter.vue', 'vue'],
      ['Toggle.svelte', 'svelte'],
    ] as const) {
      const text = readFixture(file);
      assert.deepEqual(native.extractFile(text, language), plain.extractFile(text, language), file);
    }
  });
});

describe('scriptBlocksOnly and templateComponents', () => {
  it('keep only script contents, same length and lines; null without a script', () => {
    const source = '<template>\n  <A/>\n</template>\n<script>\nconst a = 1;\n</script>\n<style>p{}</style>\n';
    const script = scriptBlocksOnly(source);
    assert.equal(script?.length, source.length);
    assert.deepEqual(
      script?.split('\n').map((l) => l.trim()),
      ['', '', '', '', 'const a = 1;', '', '', ''],
    );
    assert.equal(scriptBlocksOnly('<template><p>hi</p></template>\n'), null);
    // An unclosed script block runs to the end of the file.
    assert.equal(scriptBlocksOnly('<script>\nlet x = 1;\n')?.trim(), 'let x = 1;');
  });

  it('components in markup, not in script strings or styles', () => {
    const source =
      "<script>\nconst s = '<Fake/>';\n</script>\n<Real prop={1}/>\n<Ns.Inner>\n<style>/* <Styled> */</style>\n";
    assert.deepEqual(
      templateComponents(source).map((r) => source.slice(r.start, r.end)),
      ['Real', 'Inner'],
    );
  });

  it("Vue's kebab-case tags name their component in PascalCase; plain HTML tags and Svelte's are none", () => {
    const source =
      "<template>\n  <todo-item :item='i'/>\n  <div><base-icon-2 name='x'></base-icon-2></div>\n  <TodoList/>\n</template>\n<script>\nconst s = '<fake-tag/>';\n</script>\n<style>/* <styled-thing> */</style>\n";
    assert.deepEqual(
      templateComponents(source, true).map((r) => [r.name ?? source.slice(r.start, r.end), r.start]),
      [
        ['TodoItem', source.indexOf('todo-item')],
        ['BaseIcon2', source.indexOf('base-icon-2')],
        ['TodoList', source.indexOf('TodoList')],
      ],
    );
    assert.deepEqual(
      templateComponents(source).map((r) => source.slice(r.start, r.end)),
      ['TodoList'],
    );
    // Stored as uses of the component, where the tag is written.
    const vue = extractor.extractFile(source, 'vue');
    assert.deepEqual(
      vue.refs.filter((r) => r.kind === 'call').map((r) => [r.name, r.line, r.col]),
      [
        ['TodoItem', 2, 3],
        ['BaseIcon2', 3, 8],
        ['TodoList', 4, 3],
      ],
    );
    assert.ok(!extractor.extractFile(source, 'svelte').refs.some((r) => r.name === 'TodoItem'));
  });
});

describe('the component a Vue or Svelte file defines', () => {
  it('is named after the file as its users write it, and spans the file', () => {
    const text = readFixture('TodoList.vue');
    const at = (path: string) => extractor.extractFile(text, 'vue', undefined, path).symbols[0];
    assert.deepEqual(
      (({ name, kind, startLine, endLine, container, signature, exported }) => ({
        name,
        kind,
        startLine,
        endLine,
        container,
        signature,
        exported,
      }))(at('src/components/TodoList.vue')!),
      {
        name: 'TodoList',
        kind: 'class',
        startLine: 1,
        endLine: 33,
        container: null,
        signature: 'Vue component <TodoList>',
        exported: true,
      },
    );
    assert.equal(at('src/components/todo-list.vue')?.name, 'TodoList');
    assert.equal(at('src/components/TodoList/index.vue')?.name, 'TodoList');
    // The script's own definitions follow it; the Options API's methods are its members.
    assert.deepEqual(
      extractor.extractFile(text, 'vue', undefined, 'TodoList.vue').symbols.map((s) => [s.name, s.container]),
      [
        ['TodoList', null],
        ['removeItem', 'TodoList'],
        ['findIndex', null],
      ],
    );
    // A SvelteKit route is no component anyone imports; without a path there is no name to give.
    const svelte = readFixture('Toggle.svelte');
    assert.deepEqual(
      extractor
        .extractFile(svelte, 'svelte', undefined, 'src/routes/+page.svelte')
        .symbols.map((s) => s.name),
      ['Size', 'checked', 'size', 'dispatch', 'toggle'],
    );
    assert.equal(extractor.extractFile(svelte, 'svelte').symbols[0]?.name, 'Size');
    assert.equal(
      extractor.extractFile(svelte, 'svelte', undefined, 'lib/Toggle.svelte').symbols[0]?.signature,
      'Svelte component <Toggle>',
    );
  });
});

describe('props declared by destructuring', () => {
  it("Svelte 5's $props() and Vue 3.5's defineProps() are the component's properties", () => {
    const svelte = [
      '<script lang="ts">',
      '  interface Props { count?: number; label: string }',
      '  let { count = 0, label: text, ...rest }: Props = $props();',
      '  function inc() { count++; }',
      '</script>',
      '<button onclick={inc}>{text} {count}</button>',
      '',
    ].join('\n');
    assert.deepEqual(
      definitionRows(extractor.extractFile(svelte, 'svelte', undefined, 'src/lib/Counter.svelte')),
      [
        ['Counter', 'class', 1, 6, null],
        ['Props', 'interface', 2, 2, null],
        ['count', 'property', 2, 2, 'Props'],
        ['label', 'property', 2, 2, 'Props'],
        ['count', 'property', 3, 3, 'Counter'],
        ['label', 'property', 3, 3, 'Counter'],
        ['inc', 'function', 4, 4, null],
      ],
    );
    const vue = '<script setup lang="ts">\nconst { title, size = "md" } = defineProps<Props>();\n</script>\n';
    assert.deepEqual(
      extractor
        .extractFile(vue, 'vue', undefined, 'Heading.vue')
        .symbols.filter((s) => s.container === 'Heading')
        .map((s) => [s.name, s.startLine, s.startCol, s.signature]),
      [
        ['title', 2, 8, 'title'],
        ['size', 2, 15, 'size = "md"'],
      ],
    );
    // Outside a script block, or from another call, nothing.
    const text = '<script>\nconst { a } = useThing();\n</script>\n<p>let { b } = $props()</p>\n';
    assert.deepEqual(
      extractor.extractFile(text, 'svelte', undefined, 'X.svelte').symbols.map((s) => s.name),
      ['X'],
    );
  });
});
