import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectLanguage, isObjCHeader } from '../../src/indexer/languages.js';
import {
  chunkRows,
  definitionRows,
  exportedNames,
  extractFixture,
  importRows,
  refRows,
  symbolNamed,
} from './helpers.js';

describe('objc: objc/EXGreeter.m', () => {
  const result = extractFixture('objc/EXGreeter.m');

  it('detects the language: .m and .mm, and a .h by its content', () => {
    assert.equal(result.language, 'objc');
    assert.equal(detectLanguage('ios/RNSScreen.mm'), 'objc');
    const header = '#import <Foundation/Foundation.h>\n\n@interface EXFoo : NSObject\n@end\n';
    assert.equal(detectLanguage('ios/EXFoo.h', header), 'objc');
    assert.equal(isObjCHeader('@protocol EXBar <NSObject>\n@end\n'), true);
    // A header of Apple enums only.
    assert.equal(
      isObjCHeader('#pragma once\n\ntypedef NS_ENUM(NSInteger, RNSMode) {\n  RNSModeA,\n};\n'),
      true,
    );
    // C and C++ headers stay what they were.
    assert.equal(detectLanguage('list.h', '#include <stdio.h>\nstruct list { int n; };\n'), 'c');
    assert.equal(detectLanguage('a.h', 'namespace a {\nclass B {};\n}\n'), 'cpp');
    // `@` inside a comment or a string is no sign.
    assert.equal(detectLanguage('m.h', '/* see @interface docs */\nint f(void);\n'), 'c');
  });

  it('extracts classes, implementations, protocols, properties, methods by first keyword, categories and NS_ENUM', () => {
    assert.deepEqual(definitionRows(result), [
      ['EXGreetingStyle', 'enum', 7, 10, null],
      ['EXGreetingStyleHello', 'constant', 8, 8, 'EXGreetingStyle'],
      ['EXGreetingStyleBye', 'constant', 9, 9, 'EXGreetingStyle'],
      ['EXGreeting', 'interface', 14, 16, null],
      ['greet', 'method', 15, 15, 'EXGreeting'],
      ['EXGreeter', 'class', 19, 25, null],
      ['count', 'property', 20, 20, 'EXGreeter'],
      ['onGreet', 'property', 21, 21, 'EXGreeter'],
      ['sharedGreeter', 'method', 22, 22, 'EXGreeter'],
      ['greetAll', 'method', 23, 24, 'EXGreeter'],
      // The class extension `@interface EXGreeter ()` and the category `@interface NSString
      // (EXGreeting)` add to their class: no class of their own.
      ['history', 'property', 28, 28, 'EXGreeter'],
      ['ex_isBlank', 'method', 32, 32, 'NSString'],
      ['EXJoin', 'function', 37, 37, null],
      // The implementation is the class where its code is (as ctags reads it).
      ['EXGreeter', 'class', 39, 62, null],
      ['sharedGreeter', 'method', 41, 45, 'EXGreeter'],
      ['greet', 'method', 47, 51, 'EXGreeter'],
      ['greetAll', 'method', 53, 60, 'EXGreeter'],
    ]);
  });

  it('reads whole selectors as signatures and doc comments above attribute macros', () => {
    assert.equal(
      symbolNamed(result, 'EXGreeter.greetAll').signature,
      '- (void)greetAll:(NSArray<NSString *> *)names withStyle:(EXGreetingStyle)style',
    );
    assert.equal(symbolNamed(result, 'EXGreeter').signature, '@interface EXGreeter : NSObject <EXGreeting>');
    assert.equal(symbolNamed(result, 'EXGreeter').doc, 'Greets people and counts how often.');
    // `NS_SWIFT_NAME(Greeting)` sits between the doc comment and `@protocol`.
    assert.equal(symbolNamed(result, 'EXGreeting').doc, 'Something that greets people by name.');
    assert.equal(
      symbolNamed(result, 'EXGreetingStyle').signature,
      'typedef NS_ENUM(NSInteger, EXGreetingStyle)',
    );
  });

  it('marks the class extension, the category of another class and static functions as not visible', () => {
    const hidden = result.symbols
      .filter((x) => !x.exported)
      .map((x) => `${x.container === null ? '' : `${x.container}.`}${x.name}`);
    assert.deepEqual(hidden, ['EXGreeter.history', 'NSString.ex_isBlank', 'EXJoin']);
    assert.ok(exportedNames(result).includes('EXGreeter.greetAll'));
  });

  it('extracts messages as calls (with self and class receivers), superclasses and protocols', () => {
    const rows = refRows(result).filter(([, kind]) => kind !== 'type');
    assert.deepEqual(rows, [
      ['NSObject', 'inherit', 14, 'EXGreeting'],
      ['NSObject', 'inherit', 19, 'EXGreeter'],
      ['EXGreeting', 'inherit', 19, 'EXGreeter'],
      ['componentsJoinedByString', 'call', 37, 'EXJoin'],
      ['EXJoin', 'call', 50, 'EXGreeter.greet'],
      ['addObject', 'call', 56, 'EXGreeter.greetAll'],
      ['greet', 'call', 56, 'EXGreeter.greetAll'],
      ['defaultCenter', 'call', 58, 'EXGreeter.greetAll'],
      ['postNotificationName', 'call', 58, 'EXGreeter.greetAll'],
      ['performSelector', 'call', 59, 'EXGreeter.greetAll'],
    ]);
    const receivers = result.refs.filter((r) => r.receiver).map((r) => [r.name, r.receiver]);
    assert.deepEqual(receivers, [
      ['greet', 'EXGreeter'],
      ['defaultCenter', 'NSNotificationCenter'],
      ['performSelector', 'EXGreeter'],
    ]);
  });

  it('extracts #import and @import', () => {
    assert.deepEqual(importRows(result), [
      ['Foundation/Foundation.h', [], 1],
      ['EXGreeter.h', [], 2],
      ['UIKit', [], 3],
    ]);
  });

  it('chunks: the doc and its macro with the protocol, no chunk for @end, a bare macro name or @implementation', () => {
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 5],
      ['symbol', 'EXGreetingStyle', 7, 10],
      ['symbol', 'EXGreeting', 12, 16],
      ['symbol', 'EXGreeter', 18, 22],
      ['symbol', 'EXGreeter.greetAll', 23, 24],
      ['code', null, 25, 31],
      ['symbol', 'NSString.ex_isBlank', 32, 32],
      ['symbol', 'EXJoin', 37, 37],
      ['symbol', 'EXGreeter.sharedGreeter', 41, 45],
      ['symbol', 'EXGreeter.greet', 47, 51],
      ['symbol', 'EXGreeter.greetAll', 53, 60],
    ]);
  });
});

describe('objc: #if lines inside a class', () => {
  it('keep the class (react-native-screens RNSModule.h read as a variable NSObject)', async () => {
    const { createExtractor } = await import('../../src/indexer/index.js');
    const { repairObjC } = await import('../../src/indexer/c-repair.js');
    const source = [
      '#pragma once',
      '#if defined(__cplusplus)',
      '#import <rnscreens/rnscreens.h>',
      '#endif',
      '',
      'NS_ASSUME_NONNULL_BEGIN',
      '',
      '@interface RNSModule : NSObject',
      '#if defined(__cplusplus)',
      '                       <NativeScreensModuleSpec>',
      '#endif',
      '- (void)reload;',
      '@end',
      '',
      'NS_ASSUME_NONNULL_END',
      '',
    ].join('\n');
    const repaired = repairObjC(source) ?? '';
    assert.deepEqual(
      repaired.split('\n').map((l) => l.length),
      source.split('\n').map((l) => l.length),
    );
    // Outside a class an `#if` group keeps what it holds (an `#else`-less `__cplusplus` group loses
    // only its own lines, as in C and C++).
    assert.match(repaired, /^ +\n#import <rnscreens\/rnscreens\.h>\n +\n/m);
    const rows = definitionRows(createExtractor().extractFile(source, 'objc'));
    assert.deepEqual(
      rows.map(([name, kind, start, , container]) => [name, kind, start, container]),
      [
        ['RNSModule', 'class', 8, null],
        ['reload', 'method', 12, 'RNSModule'],
      ],
    );
  });
});
