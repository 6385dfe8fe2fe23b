// The addon's TypeScript interface stays in step with what the addon exports: a C++ export added without a
// type in src/torch/native-api.ts (or a typed name the addon lost) fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native } from '../src/torch/native.js';
import { NATIVE_EXPORTS } from '../src/torch/native-api.js';

test('the loaded addon exports exactly the names NATIVE_EXPORTS lists', () => {
  const loaded = Object.keys(native).sort();
  const listed = [...NATIVE_EXPORTS].sort();
  assert.deepEqual(
    loaded.filter((k) => !listed.includes(k as never)),
    [],
    'exported by the addon but not typed',
  );
  assert.deepEqual(
    listed.filter((k) => !loaded.includes(k)),
    [],
    'typed but not exported by the addon',
  );
  assert.equal(new Set(listed).size, listed.length, 'no name listed twice');
});

test('functions are functions and the constants have their types', () => {
  const addon = native as unknown as Record<string, unknown>;
  for (const name of NATIVE_EXPORTS) {
    if (name === 'torchVersion') assert.match(addon[name] as string, /^\d+\.\d+$/);
    else if (name === 'hasNativeForeachLerp') assert.equal(typeof addon[name], 'boolean');
    else if (name === 'mallocTuning') assert.ok(['on', 'off', 'user', 'refused', 'unsupported'].includes(addon[name] as string));
    else assert.equal(typeof addon[name], 'function', name);
  }
});
