import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkOptionKeys, defined, EnvReader } from '../../src/env.js';
import { StorageError } from '../../src/errors.js';

const test = suite('env');

function configError(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (error) {
    assert.instance(error, StorageError);
    assert.is((error as StorageError).code, 'INVALID_CONFIG');
    return error as StorageError;
  }
  throw new Error('expected INVALID_CONFIG');
}

test('booleans, numbers, lists, JSON, choices', () => {
  const env = new EnvReader({
    A: 'true',
    B: '0',
    C: ' 42 ',
    D: 'a, b ,,c',
    E: '{"x":1}',
    F: 'fs',
    EMPTY: '',
  });
  assert.is(env.boolean('A'), true);
  assert.is(env.boolean('B'), false);
  assert.is(env.boolean('MISSING'), undefined);
  assert.is(env.boolean('EMPTY'), undefined);
  assert.is(env.number('C', { min: 1, max: 100 }), 42);
  assert.equal(env.list('D'), ['a', 'b', 'c']);
  assert.equal(env.json('E'), { x: 1 });
  assert.is(env.choice('F', ['fs', 'memory']), 'fs');
  assert.is(env.string('EMPTY'), undefined);
});

test('every bad value is INVALID_CONFIG naming the variable', () => {
  const env = new EnvReader({ B: 'maybe', N: '1.5', M: '9999', J: '{nope', C: 'ftp', S: '' });
  assert.match(configError(() => env.boolean('B')).message, 'B ');
  assert.match(configError(() => env.number('N')).message, 'N ');
  assert.match(configError(() => env.number('M', { max: 100 })).message, 'M ');
  assert.match(configError(() => env.json('J')).message, 'J ');
  assert.match(configError(() => env.choice('C', ['fs'])).message, 'C ');
  assert.match(configError(() => env.required('S', 'for the test')).message, 'S ');
});

test('checkOptionKeys refuses unknown keys; defined drops undefined', () => {
  checkOptionKeys('fs', { location: 'x' }, ['location']);
  assert.match(configError(() => checkOptionKeys('fs', { locaton: 'x' }, ['location'])).message, 'locaton');
  assert.equal(defined({ a: 1, b: undefined }), { a: 1 });
});

test.run();
